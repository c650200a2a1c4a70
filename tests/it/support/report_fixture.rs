//! Report documents for the format tests, built directly from the v1 types: a demo report with
//! every status, two accounts, three regions, scan errors, suppressions and hostile tag values, and a
//! large report for the scale check.
#![allow(dead_code)]

use flowaudit::findings::{Finding, Remediation, ResourceRef, Severity, Status, SuppressionInfo};
use flowaudit::inventory::ScanError;
use flowaudit::report::v1::{
    CheckMeta, Document, REPORT_SCHEMA, RuleMeta, ScanSection, Summary, SuppressionEntryRef,
    SuppressionSection, ToolInfo,
};
use std::collections::BTreeMap;

pub const ACCOUNT_A: &str = "123456789012";
pub const ACCOUNT_B: &str = "210987654321";
/// A Name tag that would run script if it were ever treated as markup.
pub const HOSTILE_HTML: &str = "<img src=x onerror=alert(1)><script>alert(2)</script>";
/// A Name tag that would set a global if injected (checked in the browser).
pub const HOSTILE_GLOBAL: &str = "\"><svg onload=\"window.__flowauditInjected=1\"></svg><script>window.__flowauditInjected=2</script>";
/// A Name tag full of Markdown and table syntax.
pub const HOSTILE_MD: &str = "**x** [y](javascript:alert(1)) `tick` a|b\n# heading\n```\nfence";
/// A Name tag with a terminal escape sequence.
pub const HOSTILE_TERM: &str = "ok\x1b[2J\x1b[31mred\rX";

fn rules() -> Vec<RuleMeta> {
    let mut cis = BTreeMap::new();
    cis.insert("CIS-AWS-3.0".to_string(), vec!["3.7".to_string()]);
    cis.insert("NIST-800-53".to_string(), vec!["AU-12".to_string()]);
    let mut enc = BTreeMap::new();
    enc.insert("NIST-800-53".to_string(), vec!["SC-28".to_string()]);
    vec![
        RuleMeta {
            id: "VPC-001".into(),
            title: "Every VPC records all its traffic".into(),
            description: "Each VPC needs an active flow log that captures ALL traffic (accepted and rejected).".into(),
            severity: Severity::High,
            resource: "vpc".into(),
            checks: vec![
                CheckMeta {
                    id: "flow-log-exists".into(),
                    title: "An active VPC flow log exists".into(),
                    remediation: Some("Create a flow log on the VPC with traffic type ALL.".into()),
                    fix: flowaudit::findings::CheckFix::manual(),
                },
                CheckMeta {
                    id: "traffic-type-all".into(),
                    title: "A flow log captures ALL traffic".into(),
                    remediation: Some("Add a flow log with traffic type ALL next to the ACCEPT/REJECT one.".into()),
                    fix: flowaudit::findings::CheckFix::manual(),
                },
            ],
            compliance: cis,
            references: vec![
                "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html".into(),
            ],
            source: "builtin".into(),
        },
        RuleMeta {
            id: "VPC-002".into(),
            title: "Flow log destinations are encrypted".into(),
            description: "The log group or bucket receiving flow logs is encrypted with a KMS key.".into(),
            severity: Severity::Medium,
            resource: "vpc".into(),
            checks: vec![CheckMeta {
                id: "destination-encrypted".into(),
                title: "The destination is KMS-encrypted".into(),
                remediation: None,
                fix: flowaudit::findings::CheckFix::manual(),
            }],
            compliance: enc,
            references: vec![],
            source: "builtin".into(),
        },
    ]
}

fn resource(account: &str, region: &str, id: &str, name: Option<&str>) -> ResourceRef {
    let mut tags = BTreeMap::new();
    if let Some(n) = name {
        tags.insert("Name".to_string(), n.to_string());
    }
    tags.insert("team".to_string(), "net|ops `core`".to_string());
    ResourceRef {
        kind: "vpc".into(),
        id: id.into(),
        arn: format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
        region: region.into(),
        account_id: account.into(),
        name: name.map(str::to_string),
        tags,
        network_interfaces: None,
        is_default: Some(false),
    }
}

/// Snippets shaped like the rule templates' output, filled in for one VPC.
pub fn remediation_for(r: &ResourceRef) -> Remediation {
    let tf_name = r.id.replace('-', "_");
    let name = r
        .name
        .clone()
        .unwrap_or_default()
        .replace(['\n', '\r'], " ");
    Remediation {
        terraform: Some(format!(
            "# {name}\nresource \"aws_flow_log\" \"{tf_name}_all\" {{\n  vpc_id               = \"{id}\"\n  traffic_type         = \"ALL\"\n  log_destination_type = \"cloud-watch-logs\"\n  log_destination      = \"arn:aws:logs:{region}:{acct}:log-group:REPLACE_LOG_GROUP\"\n  iam_role_arn         = \"REPLACE_DELIVERY_ROLE_ARN\"\n}}\n",
            id = r.id,
            region = r.region,
            acct = r.account_id
        )),
        cloudformation: Some(format!(
            "Resources:\n  FlowLogAll:\n    Type: AWS::EC2::FlowLog\n    Properties:\n      ResourceId: {id}\n      ResourceType: VPC\n      TrafficType: ALL\n      LogDestinationType: cloud-watch-logs\n      LogGroupName: REPLACE_LOG_GROUP\n      DeliverLogsPermissionArn: REPLACE_DELIVERY_ROLE_ARN\n",
            id = r.id
        )),
        cli: Some(format!(
            "aws ec2 create-flow-logs --region {region} --resource-type VPC --resource-ids {id} --traffic-type ALL --log-destination-type cloud-watch-logs --log-group-name REPLACE_LOG_GROUP --deliver-logs-permission-arn REPLACE_DELIVERY_ROLE_ARN",
            id = r.id,
            region = r.region
        )),
    }
}

fn finding(rule: &RuleMeta, check: &str, status: Status, r: ResourceRef, message: &str) -> Finding {
    let failing = status == Status::Fail;
    Finding {
        rule_id: rule.id.clone(),
        check_id: check.into(),
        status,
        severity: rule.severity,
        remediation: failing.then(|| remediation_for(&r)),
        resource: r.into(),
        message: message.into(),
        compliance: rule.compliance.clone().into(),
        suppression: None,
    }
}

/// The counts of a result list, as the rule engine fills `summary`.
pub fn summarize(results: &[Finding]) -> Summary {
    let mut regions: Vec<String> = results.iter().map(|f| f.resource.region.clone()).collect();
    regions.sort();
    regions.dedup();
    Summary::of(results, &regions)
}

/// The demo report: every status, two accounts, three regions, hostile tags.
pub fn demo_document() -> Document {
    let rules = rules();
    let (r1, r2) = (&rules[0], &rules[1]);
    let mut results = vec![
        finding(
            r1,
            "flow-log-exists",
            Status::Fail,
            resource(
                ACCOUNT_A,
                "us-east-1",
                "vpc-0a1b2c3d4e5f60001",
                Some(HOSTILE_HTML),
            ),
            "VPC vpc-0a1b2c3d4e5f60001 has no active flow log.",
        ),
        finding(
            r1,
            "traffic-type-all",
            Status::Fail,
            resource(
                ACCOUNT_A,
                "us-east-1",
                "vpc-0a1b2c3d4e5f60002",
                Some(HOSTILE_GLOBAL),
            ),
            "VPC vpc-0a1b2c3d4e5f60002 logs only REJECT traffic.",
        ),
        finding(
            r1,
            "traffic-type-all",
            Status::Fail,
            resource(
                ACCOUNT_A,
                "eu-west-1",
                "vpc-0a1b2c3d4e5f60003",
                Some(HOSTILE_MD),
            ),
            "VPC vpc-0a1b2c3d4e5f60003 logs only ACCEPT traffic.",
        ),
        finding(
            r2,
            "destination-encrypted",
            Status::Fail,
            resource(
                ACCOUNT_B,
                "ap-southeast-2",
                "vpc-0a1b2c3d4e5f60004",
                Some(HOSTILE_TERM),
            ),
            "The log group of VPC vpc-0a1b2c3d4e5f60004 has no KMS key.",
        ),
        finding(
            r1,
            "flow-log-exists",
            Status::Pass,
            resource(
                ACCOUNT_A,
                "eu-west-1",
                "vpc-0a1b2c3d4e5f60005",
                Some("prod"),
            ),
            "VPC vpc-0a1b2c3d4e5f60005 has an active flow log.",
        ),
        finding(
            r1,
            "traffic-type-all",
            Status::Pass,
            resource(
                ACCOUNT_A,
                "eu-west-1",
                "vpc-0a1b2c3d4e5f60005",
                Some("prod"),
            ),
            "VPC vpc-0a1b2c3d4e5f60005 logs ALL traffic.",
        ),
        finding(
            r2,
            "destination-encrypted",
            Status::Error,
            resource(
                ACCOUNT_A,
                "eu-west-1",
                "vpc-0a1b2c3d4e5f60005",
                Some("prod"),
            ),
            "The encryption of log group /vpc/prod could not be read: AccessDenied.",
        ),
        finding(
            r2,
            "destination-encrypted",
            Status::Skipped,
            resource(
                ACCOUNT_A,
                "us-east-1",
                "vpc-0a1b2c3d4e5f60001",
                Some(HOSTILE_HTML),
            ),
            "No flow log, nothing to check.",
        ),
    ];
    let mut sup = finding(
        r1,
        "flow-log-exists",
        Status::Fail,
        resource(
            ACCOUNT_B,
            "ap-southeast-2",
            "vpc-0a1b2c3d4e5f60006",
            Some("sandbox <b>lab</b>"),
        ),
        "VPC vpc-0a1b2c3d4e5f60006 has no active flow log.",
    );
    sup.status = Status::Suppressed;
    sup.suppression = Some(SuppressionInfo {
        reason: "Sandbox, torn down weekly <i>ticket SEC-42</i>".into(),
        expires: "2099-01-31".into(),
        original_status: Status::Fail,
    });
    results.push(sup);
    let summary = summarize(&results);
    Document {
        schema: REPORT_SCHEMA.into(),
        tool: ToolInfo {
            name: "flowaudit".into(),
            version: "0.1.0".into(),
            information_uri: "https://github.com/flowaudit/flowaudit".into(),
        },
        scan: ScanSection {
            accounts: vec![ACCOUNT_A.into(), ACCOUNT_B.into()],
            regions: vec![
                "ap-southeast-2".into(),
                "eu-west-1".into(),
                "us-east-1".into(),
            ],
            started_at: "2026-11-23T10:00:00Z".into(),
            finished_at: "2026-11-23T10:00:07Z".into(),
            partial: true,
            errors: vec![ScanError {
                account_id: ACCOUNT_B.into(),
                region: Some("eu-central-1".into()),
                service: "ec2".into(),
                operation: "DescribeFlowLogs".into(),
                code: "UnauthorizedOperation".into(),
                message: "You are not authorized <script>alert(3)</script>".into(),
            }],
            account_details: Vec::new(),
            shard: None,
            resources: Vec::new(),
            recovered: 0,
        },
        rules,
        results,
        summary,
        suppressions: SuppressionSection {
            file: Some("suppressions.toml".into()),
            expired: vec![SuppressionEntryRef {
                index: 2,
                rule_id: "VPC-002".into(),
                check_id: None,
                resource: "vpc-0ffff".into(),
                reason: "old exception <u>x</u>".into(),
                expires: "2020-01-01".into(),
            }],
            unmatched: vec![],
        },
        fixes: None,
        baseline: None,
    }
}

/// A report over `n` VPCs spread over 16 regions: each VPC has three results, a third of them fail.
pub fn scale_document(n: usize) -> Document {
    let rules = rules();
    let regions = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ca-central-1",
        "sa-east-1",
    ];
    let mut results = Vec::with_capacity(n * 3);
    for i in 0..n {
        let region = regions[i % regions.len()];
        let id = format!("vpc-{i:017x}");
        let name = if i == 7 {
            HOSTILE_HTML.to_string()
        } else {
            format!("app-{i}")
        };
        let r = resource(ACCOUNT_A, region, &id, Some(&name));
        let fails = i % 3 == 0;
        let st = |f: bool| if f { Status::Fail } else { Status::Pass };
        results.push(finding(
            &rules[0],
            "flow-log-exists",
            Status::Pass,
            r.clone(),
            "Active flow log.",
        ));
        results.push(finding(
            &rules[0],
            "traffic-type-all",
            st(fails),
            r.clone(),
            "Traffic type.",
        ));
        results.push(finding(
            &rules[1],
            "destination-encrypted",
            st(i % 5 == 0),
            r,
            "Encryption.",
        ));
    }
    let mut doc = demo_document();
    doc.scan.accounts = vec![ACCOUNT_A.into()];
    doc.scan.regions = regions.iter().map(|r| r.to_string()).collect();
    doc.scan.errors.clear();
    doc.scan.partial = false;
    doc.summary = summarize(&results);
    doc.results = results;
    doc.rules = rules;
    doc
}
