//! Validated fix settings: what the fix step needs to know. The flags are checked and turned into
//! settings in `app/` (`TryFrom<&FixSettingsArgs>`), before anything is scanned or changed.

use crate::findings::FixCatalog;
use std::path::PathBuf;

/// Retention values CloudWatch Logs accepts (PutRetentionPolicy), in days.
pub use crate::inventory::validate::RETENTION_DAYS;

/// Where new flow logs deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixDestination {
    /// An S3 bucket, with an optional key prefix (no leading or trailing `/`).
    S3 {
        bucket: String,
        prefix: Option<String>,
    },
    /// A CloudWatch Logs log group in the resource's region.
    CloudWatch { log_group: String },
}

impl FixDestination {
    /// Parse `s3://BUCKET[/PREFIX]` or `cloudwatch:LOG_GROUP`.
    pub fn parse(text: &str) -> Result<FixDestination, String> {
        const FIX: &str = "use s3://BUCKET[/PREFIX] or cloudwatch:LOG_GROUP";
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = match rest.split_once('/') {
                Some((b, p)) => (b, p.trim_matches('/')),
                None => (rest, ""),
            };
            validate_bucket(bucket)?;
            if prefix.contains("//") {
                return Err(format!(
                    "the prefix {prefix:?} has an empty path segment (`//`)"
                ));
            }
            if prefix.starts_with("AWSLogs") {
                return Err(format!(
                    "the prefix {prefix:?} may not start with AWSLogs (AWS adds that part itself)"
                ));
            }
            if prefix.chars().any(|c| c.is_control()) {
                return Err("the prefix contains a control character".into());
            }
            Ok(FixDestination::S3 {
                bucket: bucket.to_string(),
                prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
            })
        } else if let Some(group) = text.strip_prefix("cloudwatch:") {
            validate_log_group(group)?;
            Ok(FixDestination::CloudWatch {
                log_group: group.to_string(),
            })
        } else {
            Err(format!(
                "{text:?} is neither an S3 nor a CloudWatch destination; {FIX}"
            ))
        }
    }

    /// The canonical text form (as accepted by [`FixDestination::parse`]); part of the client token.
    pub fn canonical(&self) -> String {
        match self {
            FixDestination::S3 {
                bucket,
                prefix: Some(p),
            } => format!("s3://{bucket}/{p}"),
            FixDestination::S3 {
                bucket,
                prefix: None,
            } => format!("s3://{bucket}"),
            FixDestination::CloudWatch { log_group } => format!("cloudwatch:{log_group}"),
        }
    }

    /// The LogDestination ARN for an S3 destination in `region` (`None` for CloudWatch, which is named).
    pub fn s3_arn(&self, region: &str) -> Option<String> {
        match self {
            FixDestination::S3 { bucket, prefix } => {
                let partition = crate::collect::regions::partition_of(region);
                Some(match prefix {
                    Some(p) => format!("arn:{partition}:s3:::{bucket}/{p}/"),
                    None => format!("arn:{partition}:s3:::{bucket}"),
                })
            }
            FixDestination::CloudWatch { .. } => None,
        }
    }

    /// The log group name for a CloudWatch destination.
    pub fn log_group(&self) -> Option<&str> {
        match self {
            FixDestination::CloudWatch { log_group } => Some(log_group),
            FixDestination::S3 { .. } => None,
        }
    }
}

fn validate_bucket(b: &str) -> Result<(), String> {
    let ok_chars = b
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = b
        .chars()
        .next()
        .zip(b.chars().last())
        .is_some_and(|(f, l)| f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric());
    if !(3..=63).contains(&b.len()) || !ok_chars || !ends_ok || b.contains("..") {
        return Err(format!(
            "{b:?} is not a valid S3 bucket name (3-63 characters: lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit)"
        ));
    }
    Ok(())
}

fn validate_log_group(g: &str) -> Result<(), String> {
    let ok_chars = g
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
    if g.is_empty() || g.len() > 512 || !ok_chars {
        return Err(format!(
            "{g:?} is not a valid log group name (1-512 characters: letters, digits, `.`, `_`, `-`, `/` and `#`)"
        ));
    }
    Ok(())
}

/// A `--fix-rule` entry: a rule id and optionally one of its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFilter {
    pub rule_id: String,
    pub check_id: Option<String>,
}

impl RuleFilter {
    /// True when the filter selects this (rule, check).
    pub fn matches(&self, rule_id: &str, check_id: &str) -> bool {
        self.rule_id.eq_ignore_ascii_case(rule_id)
            && self.check_id.as_deref().is_none_or(|c| c == check_id)
    }
}

/// Everything the fix step needs to know, validated.
#[derive(Debug, Clone)]
pub struct FixSettings {
    pub destination: FixDestination,
    /// Required for CloudWatch destinations.
    pub delivery_role: Option<String>,
    pub log_format: Option<String>,
    pub max_aggregation_interval: Option<i32>,
    /// Tags for every created resource, in the order given.
    pub tags: Vec<(String, String)>,
    /// KMS key ARNs, at most one per region.
    pub kms_keys: Vec<String>,
    pub retention_days: i32,
    pub unsafe_fixes: bool,
    /// Empty means every fixable rule.
    pub rules: Vec<RuleFilter>,
    /// Empty means every resource (VPC or transit gateway).
    pub resources: Vec<glob::Pattern>,
    pub yes: bool,
    pub dry_run: bool,
    /// `None`: the default timestamped file.
    pub log_file: Option<PathBuf>,
    /// The fix each loaded check declares (its action, applicability and limits on what a fix
    /// creates), from the rule files.
    pub checks: FixCatalog,
}

impl FixSettings {
    /// True when `--fix-rule` (if given) selects this (rule, check).
    pub fn rule_selected(&self, rule_id: &str, check_id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|f| f.matches(rule_id, check_id))
    }

    /// The `--fix-kms-key` for `region`: `Ok(None)` when no key was given at all, an error
    /// message when keys were given but none is in `region` (KMS keys are regional).
    pub fn kms_key_for(&self, region: &str) -> Result<Option<&str>, String> {
        if self.kms_keys.is_empty() {
            return Ok(None);
        }
        self.kms_keys
            .iter()
            .find(|k| kms_key_region(k) == Some(region))
            .map(|k| Some(k.as_str()))
            .ok_or_else(|| {
                format!(
                    "--fix-kms-key: no key in region {region}, where a log group needs one (a KMS key can only be used in its own region); add --fix-kms-key arn:aws:kms:{region}:ACCOUNT:key/KEY_ID"
                )
            })
    }

    /// True when `--fix-resource` (if given) selects this resource id.
    pub fn resource_selected(&self, id: &str) -> bool {
        self.resources.is_empty() || self.resources.iter().any(|p| p.matches(id))
    }
}

/// The region of a KMS key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`), if it is one.
pub fn kms_key_region(arn: &str) -> Option<&str> {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    (p.len() == 6
        && p[0] == "arn"
        && p[2] == "kms"
        && !p[3].is_empty()
        && p[5].strip_prefix("key/").is_some_and(|id| !id.is_empty()))
    .then(|| p[3])
}
