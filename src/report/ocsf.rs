//! OCSF 1.6.0: one Compliance Finding (class 2003, with the `cloud` profile) per result, as a
//! JSON array. The mapping of each field is documented in `docs/output-formats.md` (OCSF).

use super::export::{Catalog, ScanTime, aws_type, cut, ocsf_severity, partition, write_array};
use super::{Format, Reporter};
use crate::error::Error;
use crate::findings::identity::fingerprint;
use crate::findings::{Finding, Status};
use crate::inventory::Account;
use crate::report::v1::Document;
use serde::Serialize;
use std::collections::HashMap;

/// The OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.6.0";

/// `--format ocsf`.
pub struct OcsfReporter;

impl Reporter for OcsfReporter {
    fn format(&self) -> Format {
        Format::Ocsf
    }

    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.render_to(doc, &mut out)?;
        Ok(out)
    }

    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let ctx = Context::new(doc);
        write_array("ocsf", doc.results.iter().map(|f| ctx.finding(f)), out)
    }
}

/// What every finding of one document shares.
struct Context<'a> {
    doc: &'a Document,
    catalog: Catalog<'a>,
    time: ScanTime<'a>,
    accounts: HashMap<&'a str, &'a Account>,
}

/// One Compliance Finding.
#[derive(Serialize)]
pub struct OcsfFinding<'a> {
    activity_id: u8,
    activity_name: &'static str,
    category_uid: u8,
    category_name: &'static str,
    class_uid: u16,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    severity_id: u8,
    severity: &'static str,
    status_id: u8,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<String>,
    status_code: &'static str,
    time: i64,
    message: &'a str,
    finding_info: FindingInfo,
    compliance: Compliance,
    cloud: Cloud<'a>,
    resources: [Resource<'a>; 1],
    remediation: Remediation<'a>,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct FindingInfo {
    uid: String,
    title: String,
    desc: String,
    types: [&'static str; 1],
    created_time: i64,
}

#[derive(Serialize)]
struct Compliance {
    status_id: u8,
    status: &'static str,
    control: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    standards: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requirements: Vec<String>,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    region: &'a str,
    cloud_partition: &'a str,
    account: CloudAccount<'a>,
}

#[derive(Serialize)]
struct CloudAccount<'a> {
    uid: &'a str,
    type_id: u8,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Resource<'a> {
    uid: &'a str,
    uid_alt: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    region: &'a str,
    cloud_partition: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag<'a>>,
}

#[derive(Serialize)]
struct Tag<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<&'a str>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product<'a>,
    profiles: [&'static str; 1],
    event_code: &'a str,
}

#[derive(Serialize)]
struct Product<'a> {
    name: &'a str,
    vendor_name: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    url_string: &'a str,
}

/// The OCSF compliance status of a flowaudit status: (`compliance.status_id`, its caption).
/// A suppressed result keeps the compliance status it had before it was suppressed.
pub fn compliance_status(f: &Finding) -> (u8, &'static str) {
    let status = match (&f.status, &f.suppression) {
        (Status::Suppressed, Some(s)) => s.original_status,
        (s, _) => *s,
    };
    match status {
        Status::Pass => (1, "Pass"),
        Status::Fail | Status::Suppressed => (3, "Fail"),
        // Not applicable (a shared VPC, an unused one with --skip-unused): not mapped by OCSF.
        Status::Skipped => (99, "Not applicable"),
        // The check could not be evaluated: OCSF's "did not yield a result".
        Status::Error => (2, "Warning"),
    }
}

/// The OCSF finding status: suppressed results are `Suppressed`, every other one `New`.
fn finding_status(f: &Finding) -> (u8, &'static str) {
    match f.status {
        Status::Suppressed => (3, "Suppressed"),
        _ => (1, "New"),
    }
}

impl<'a> Context<'a> {
    fn new(doc: &'a Document) -> Self {
        Context {
            doc,
            catalog: Catalog::new(doc),
            time: ScanTime::of(doc),
            accounts: doc
                .scan
                .account_details
                .iter()
                .map(|a| (a.id.as_str(), a))
                .collect(),
        }
    }

    fn finding(&self, f: &'a Finding) -> OcsfFinding<'a> {
        let r = &f.resource;
        let (severity_id, severity) = ocsf_severity(f.severity);
        let (status_id, status) = finding_status(f);
        let (c_id, c_status) = compliance_status(f);
        let partition = partition(&r.arn);
        let account = self.accounts.get(r.account_id.as_str()).copied();
        let (standards, requirements) = mappings(f);
        OcsfFinding {
            activity_id: 1,
            activity_name: "Create",
            category_uid: 2,
            category_name: "Findings",
            class_uid: 2003,
            class_name: "Compliance Finding",
            type_uid: 200301,
            type_name: "Compliance Finding: Create",
            severity_id,
            severity,
            status_id,
            status,
            status_detail: f
                .suppression
                .as_ref()
                .map(|s| format!("suppressed until {}: {}", s.expires, s.reason)),
            status_code: f.status.as_str(),
            time: self.time.millis,
            message: &f.message,
            finding_info: FindingInfo {
                uid: fingerprint(f),
                title: self.catalog.title(f),
                desc: f.message.clone(),
                types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
                created_time: self.time.millis,
            },
            compliance: Compliance {
                status_id: c_id,
                status: c_status,
                control: format!("{}/{}", f.rule_id, f.check_id),
                standards,
                requirements,
            },
            cloud: Cloud {
                provider: "AWS",
                region: &r.region,
                cloud_partition: partition,
                account: CloudAccount {
                    uid: &r.account_id,
                    type_id: 10,
                    kind: "AWS Account",
                    name: account.and_then(|a| a.name.as_deref()),
                },
            },
            resources: [Resource {
                uid: &r.arn,
                uid_alt: &r.id,
                kind: aws_type(&r.kind),
                name: r.name.as_deref(),
                region: &r.region,
                cloud_partition: partition,
                tags: r
                    .tags
                    .iter()
                    .map(|(k, v)| Tag { name: k, value: v })
                    .collect(),
            }],
            remediation: Remediation {
                desc: self.remediation_text(f),
                references: self
                    .catalog
                    .rule(f)
                    .map(|r| r.references.iter().map(String::as_str).collect())
                    .unwrap_or_default(),
            },
            metadata: Metadata {
                version: OCSF_VERSION,
                product: Product {
                    name: &self.doc.tool.name,
                    vendor_name: &self.doc.tool.name,
                    version: &self.doc.tool.version,
                    url_string: &self.doc.tool.information_uri,
                },
                profiles: ["cloud"],
                event_code: &f.rule_id,
            },
        }
    }

    /// The check's advice, then the snippets rendered for this resource, each under its name.
    fn remediation_text(&self, f: &Finding) -> String {
        let mut text = self.catalog.advice(f);
        if let Some(rem) = &f.remediation {
            for (name, snippet) in [
                ("AWS CLI", &rem.cli),
                ("Terraform", &rem.terraform),
                ("CloudFormation", &rem.cloudformation),
            ] {
                if let Some(s) = snippet {
                    text.push_str(&format!("\n\n{name}:\n{s}"));
                }
            }
        }
        if text.is_empty() {
            text = cut(&f.message, 1024);
        }
        text
    }
}

/// The rule's compliance mappings: the standards (framework names) and each requirement as
/// `FRAMEWORK CONTROL`.
fn mappings(f: &Finding) -> (Vec<String>, Vec<String>) {
    let standards = f.compliance.keys().cloned().collect();
    let requirements = f
        .compliance
        .iter()
        .flat_map(|(fw, ids)| ids.iter().map(move |id| format!("{fw} {id}")))
        .collect();
    (standards, requirements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{ResourceRef, Severity, SuppressionInfo};
    use std::sync::Arc;

    fn finding(status: Status) -> Finding {
        Finding {
            rule_id: "VPC-001".into(),
            check_id: "enabled".into(),
            status,
            severity: Severity::High,
            resource: Arc::new(ResourceRef {
                kind: "vpc".into(),
                id: "vpc-1".into(),
                arn: "arn:aws-cn:ec2:cn-north-1:111111111111:vpc/vpc-1".into(),
                region: "cn-north-1".into(),
                account_id: "111111111111".into(),
                name: None,
                tags: Default::default(),
                network_interfaces: None,
                is_default: None,
            }),
            message: "m".into(),
            compliance: Default::default(),
            remediation: None,
            suppression: None,
        }
    }

    #[test]
    fn statuses_map_to_compliance_and_finding_statuses() {
        assert_eq!(compliance_status(&finding(Status::Pass)), (1, "Pass"));
        assert_eq!(compliance_status(&finding(Status::Fail)), (3, "Fail"));
        assert_eq!(compliance_status(&finding(Status::Error)), (2, "Warning"));
        assert_eq!(compliance_status(&finding(Status::Skipped)).0, 99);
        let mut s = finding(Status::Suppressed);
        s.suppression = Some(SuppressionInfo {
            reason: "r".into(),
            expires: "2030-01-01".into(),
            original_status: Status::Pass,
        });
        assert_eq!(compliance_status(&s), (1, "Pass"));
        assert_eq!(finding_status(&s), (3, "Suppressed"));
        assert_eq!(finding_status(&finding(Status::Fail)), (1, "New"));
    }
}
