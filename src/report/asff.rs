//! AWS Security Finding Format: one `AwsSecurityFinding` per result, as `BatchImportFindings`
//! takes them, in a JSON array. The mapping of each field is documented in
//! `docs/output-formats.md` (ASFF).

use super::export::{Catalog, ScanTime, asff_type, cut, partition, write_array};
use super::{Format, Reporter};
use crate::error::Error;
use crate::findings::identity::fingerprint;
use crate::findings::{Finding, Severity, Status};
use crate::report::v1::Document;
use serde::Serialize;
use std::collections::BTreeMap;

/// The ASFF schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// The finding type namespace and category of every result.
pub const TYPE_PREFIX: &str = "Software and Configuration Checks/Industry and Regulatory Standards";
/// Field limits of `BatchImportFindings`, in characters.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const URL_MAX: usize = 512;
const TYPES_MAX: usize = 50;
const REQUIREMENTS_MAX: usize = 32;
const TAGS_MAX: usize = 50;
const TAG_KEY_MAX: usize = 128;
const TAG_VALUE_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 2048;

/// `--format asff`.
pub struct AsffReporter;

impl Reporter for AsffReporter {
    fn format(&self) -> Format {
        Format::Asff
    }

    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.render_to(doc, &mut out)?;
        Ok(out)
    }

    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let catalog = Catalog::new(doc);
        let time = ScanTime::of(doc).iso();
        write_array(
            "asff",
            doc.results.iter().map(|f| finding(doc, &catalog, &time, f)),
            out,
        )
    }
}

/// One `AwsSecurityFinding`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: &'static str,
    pub id: String,
    pub product_arn: String,
    pub product_name: String,
    pub company_name: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub first_observed_at: String,
    pub last_observed_at: String,
    pub severity: SeverityLabel,
    pub finding_provider_fields: ProviderFields,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub product_fields: BTreeMap<String, String>,
    pub resources: [Resource; 1],
    pub compliance: Compliance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    pub record_state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeverityLabel {
    pub label: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderFields {
    pub severity: SeverityLabel,
    pub types: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    pub region: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    pub status: &'static str,
}

/// The `Id` of a result's finding: stable from scan to scan (the fingerprint `diff` and SARIF
/// use), of letters, digits and `/` only.
pub fn finding_id(f: &Finding) -> String {
    format!("flowaudit/{}", fingerprint(f))
}

/// The `ProductArn` of a custom integration in a finding's own account and region.
pub fn product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The `GeneratorId`: the rule and check.
pub fn generator_id(f: &Finding) -> String {
    format!("flowaudit/{}/{}", f.rule_id, f.check_id)
}

/// `Severity.Label`.
pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// `Compliance.Status`: a suppressed result keeps the status it had before it was suppressed;
/// a skipped result or one that could not be evaluated is `NOT_AVAILABLE`.
pub fn compliance_status(f: &Finding) -> &'static str {
    let status = match (&f.status, &f.suppression) {
        (Status::Suppressed, Some(s)) => s.original_status,
        (s, _) => *s,
    };
    match status {
        Status::Pass => "PASSED",
        Status::Fail | Status::Suppressed => "FAILED",
        Status::Skipped | Status::Error => "NOT_AVAILABLE",
    }
}

/// `text` cut to `max` characters, or `fallback` when it holds nothing but white space (every
/// string field of a finding must hold a non-space character).
fn field(text: &str, max: usize, fallback: &str) -> String {
    if text.trim().is_empty() {
        fallback.to_string()
    } else {
        cut(text, max)
    }
}

/// The finding of one result. `time` is the scan's end, as Security Hub writes times.
pub fn finding(doc: &Document, catalog: &Catalog, time: &str, f: &Finding) -> AsffFinding {
    let r = &f.resource;
    let partition = partition(&r.arn).to_string();
    let label = severity_label(f.severity);
    let mut types: Vec<String> = f
        .compliance
        .keys()
        .map(|fw| format!("{TYPE_PREFIX}/{}", fw.replace('/', " ").trim()))
        .filter(|t| !t.ends_with('/'))
        .take(TYPES_MAX)
        .collect();
    if types.is_empty() {
        types.push(format!("{TYPE_PREFIX}/flowaudit"));
    }
    let related_requirements = f
        .compliance
        .iter()
        .flat_map(|(fw, ids)| ids.iter().map(move |id| format!("{fw}/{id}")))
        .filter(|s| !s.trim().is_empty())
        .take(REQUIREMENTS_MAX)
        .map(|s| cut(&s, FIELD_VALUE_MAX))
        .collect();
    let mut product_fields = BTreeMap::new();
    for (k, v) in [
        ("ProviderName", doc.tool.name.as_str()),
        ("ProviderVersion", doc.tool.version.as_str()),
        ("flowaudit/RuleId", f.rule_id.as_str()),
        ("flowaudit/CheckId", f.check_id.as_str()),
        ("flowaudit/Status", f.status.as_str()),
        ("flowaudit/ResourceType", r.kind.as_str()),
        ("flowaudit/ResourceId", r.id.as_str()),
    ] {
        if !v.trim().is_empty() {
            product_fields.insert(k.to_string(), cut(v, FIELD_VALUE_MAX));
        }
    }
    product_fields.insert("flowaudit/Fingerprint".into(), fingerprint(f));
    if let Some(s) = &f.suppression {
        product_fields.insert("flowaudit/SuppressedUntil".into(), s.expires.clone());
        if !s.reason.trim().is_empty() {
            product_fields.insert(
                "flowaudit/SuppressionReason".into(),
                cut(&s.reason, FIELD_VALUE_MAX),
            );
        }
    }
    let tags = r
        .tags
        .iter()
        .filter(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
        .take(TAGS_MAX)
        .map(|(k, v)| (cut(k, TAG_KEY_MAX), cut(v, TAG_VALUE_MAX)))
        .collect();
    AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: finding_id(f),
        product_arn: product_arn(&partition, &r.region, &r.account_id),
        product_name: doc.tool.name.clone(),
        company_name: doc.tool.name.clone(),
        generator_id: generator_id(f),
        aws_account_id: r.account_id.clone(),
        region: r.region.clone(),
        types: types.clone(),
        created_at: time.to_string(),
        updated_at: time.to_string(),
        first_observed_at: time.to_string(),
        last_observed_at: time.to_string(),
        severity: SeverityLabel { label },
        finding_provider_fields: ProviderFields {
            severity: SeverityLabel { label },
            types,
        },
        title: field(&catalog.title(f), TITLE_MAX, &generator_id(f)),
        description: field(&f.message, DESCRIPTION_MAX, &generator_id(f)),
        remediation: Remediation {
            recommendation: Recommendation {
                text: field(&catalog.advice(f), RECOMMENDATION_MAX, &generator_id(f)),
                url: catalog
                    .url(f)
                    .filter(|u| u.chars().count() <= URL_MAX)
                    .map(str::to_string),
            },
        },
        product_fields,
        resources: [Resource {
            kind: asff_type(&r.kind),
            id: field(&r.arn, FIELD_VALUE_MAX, &r.id),
            // The partitions `Resources[].Partition` accepts; others are left out.
            partition: ["aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"]
                .contains(&partition.as_str())
                .then_some(partition),
            region: r.region.clone(),
            tags,
        }],
        compliance: Compliance {
            status: compliance_status(f),
            related_requirements,
        },
        workflow: (f.status == Status::Suppressed).then_some(Workflow {
            status: "SUPPRESSED",
        }),
        record_state: "ACTIVE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_arns_name_the_account_and_region() {
        assert_eq!(
            product_arn("aws", "eu-west-1", "111111111111"),
            "arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default"
        );
    }

    #[test]
    fn blank_fields_take_the_fallback_and_long_ones_are_cut() {
        assert_eq!(field(" \n", 10, "x"), "x");
        assert_eq!(field(&"a".repeat(20), 10, "x").chars().count(), 10);
    }
}
