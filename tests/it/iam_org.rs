//! The IAM files for organization scans in docs/iam/: the management-account policy and the
//! StackSet template of the member role.

use crate::support::harness::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

const MANAGEMENT_POLICY: &str = "docs/iam/org-management-policy.json";
const MEMBER_TEMPLATE: &str = "docs/iam/member-role-stackset.yaml";

/// The Organizations and STS operations an organization scan makes with the caller's
/// credentials: listing the organization, its OUs, accounts and account tags, and assuming the
/// member role.
const ORG_SCAN_ACTIONS: [&str; 7] = [
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListRoots",
    "organizations:ListTagsForResource",
    "sts:AssumeRole",
];

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
        other => panic!("expected a string or a list of strings: {other}"),
    }
}

/// Every action of an IAM policy document, with the resources each is granted on.
fn grants(policy: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow", "{st}");
        for a in strings(&st["Action"]) {
            out.push((a, strings(&st["Resource"])));
        }
    }
    out
}

fn actions(policy: &Value) -> BTreeSet<String> {
    grants(policy).into_iter().map(|(a, _)| a).collect()
}

/// The member-role template as cfn-lint reads it, as JSON (intrinsic functions as their long
/// form, e.g. `{"Ref": ...}`).
fn member_template() -> Value {
    const DECODE: &str = r#"
import json, sys
from cfnlint.decode import decode
template, matches = decode(sys.argv[1])
if matches:
    sys.exit("\n".join(str(m) for m in matches))
print(json.dumps(template))
"#;
    python_json(DECODE, [repo_path(MEMBER_TEMPLATE)])
}

#[test]
fn the_management_policy_allows_the_organization_calls_and_only_the_member_role() {
    let policy = repo_json(MANAGEMENT_POLICY);
    let want: BTreeSet<String> = ORG_SCAN_ACTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(actions(&policy), want);
    let template = member_template();
    let role = template["Parameters"]["RoleName"]["Default"]
        .as_str()
        .unwrap();
    for (action, resources) in grants(&policy) {
        if action == "sts:AssumeRole" {
            // The role the StackSet creates, in any account; never any role.
            assert_eq!(resources, [format!("arn:aws:iam::*:role/{role}")]);
        } else {
            let op = action.trim_start_matches("organizations:");
            assert!(
                op.starts_with("List") || op.starts_with("Describe"),
                "read-only: {action}"
            );
        }
    }
}

#[test]
fn the_member_role_template_is_lint_clean_and_grants_exactly_the_scan_policy() {
    run_ok(
        Command::new(venv_bin("cfn-lint"))
            .args(["--format", "parseable"])
            .arg(repo_path(MEMBER_TEMPLATE)),
    );
    let t = member_template();
    let roles: Vec<&Value> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Role")
        .collect();
    assert_eq!(roles.len(), 1);
    let props = &roles[0]["Properties"];
    assert_eq!(props["RoleName"], serde_json::json!({"Ref": "RoleName"}));
    // Inline policies only, and no managed policy: exactly the read-only scan policy, plus the
    // Security Hub actions of the publish policy when AllowPublish is true.
    assert!(props.get("ManagedPolicyArns").is_none());
    let policies = props["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    let granted = grants(&policies[0]["PolicyDocument"]);
    assert!(granted.iter().all(|(_, r)| r == &["*"]));
    assert_eq!(
        actions(&policies[0]["PolicyDocument"]),
        actions(&repo_json("docs/iam/scan-policy.json")),
        "the member role grants what docs/iam/scan-policy.json grants"
    );
    // With AllowPublish, one more policy on the role: the Security Hub actions of the publish
    // policy.
    let extra: Vec<&Value> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Policy")
        .collect();
    assert_eq!(extra.len(), 1);
    assert_eq!(extra[0]["Condition"], "PublishesFindings");
    let publish: BTreeSet<String> = actions(&repo_json("docs/iam/publish-policy.json"))
        .into_iter()
        .filter(|a| a.starts_with("securityhub:"))
        .collect();
    assert_eq!(actions(&extra[0]["Properties"]["PolicyDocument"]), publish);
    assert_eq!(t["Parameters"]["AllowPublish"]["Default"], "false");
    // A dedicated role, not the administrator role Organizations creates, and the description
    // says that --role-name must name it.
    assert_eq!(t["Parameters"]["RoleName"]["Default"], "FlowAuditReadOnly");
    assert!(
        t["Description"].as_str().unwrap().contains("--role-name"),
        "{}",
        t["Description"]
    );
    assert_eq!(t["Parameters"]["ExternalId"]["Default"], "");
}

/// `aws ARGS...` against moto; stdout as JSON (or Null when empty).
fn aws(moto: &Moto, args: &[&str]) -> Value {
    let mut cmd = Command::new(venv_bin("aws"));
    cmd.args(args).args(["--output", "json"]);
    let _config = aws_env(&mut cmd, &moto.endpoint(), "us-east-1");
    let out = run_ok(&mut cmd);
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_member_role_trusts_the_auditing_account_with_the_external_id_only_when_given() {
    let moto = Moto::start();
    let body = format!("file://{}", repo_path(MEMBER_TEMPLATE).display());
    let deploy = |stack: &str, params: &[&str]| {
        let mut args = vec![
            "cloudformation",
            "create-stack",
            "--stack-name",
            stack,
            "--template-body",
            &body,
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
            "--parameters",
            "ParameterKey=AuditingAccountId,ParameterValue=111122223333",
        ];
        args.extend_from_slice(params);
        aws(&moto, &args);
    };
    let trust = |role: &str| {
        let r = aws(&moto, &["iam", "get-role", "--role-name", role]);
        let st = r["Role"]["AssumeRolePolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(st.len(), 1, "{st:?}");
        assert_eq!(st[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(st[0]["Action"], "sts:AssumeRole");
        st[0].get("Condition").cloned()
    };
    deploy("plain", &[]);
    assert_eq!(trust("FlowAuditReadOnly"), None, "no external-id condition");
    deploy(
        "with-id",
        &[
            "ParameterKey=RoleName,ParameterValue=AuditRole",
            "ParameterKey=ExternalId,ParameterValue=ext-42",
        ],
    );
    assert_eq!(
        trust("AuditRole"),
        Some(serde_json::json!({"StringEquals": {"sts:ExternalId": "ext-42"}}))
    );
}
