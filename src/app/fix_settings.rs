//! `--fix-*` flags to [`FixSettings`]: every flag is checked here, before anything is scanned or
//! changed, and every error names the flag, the value and the fix.

use crate::cli::fix_args::FixSettingsArgs;
use crate::error::Error;
use crate::fix::plan::CHANGE_TAG;
use crate::fix::settings::{
    FixDestination, FixSettings, RETENTION_DAYS, RuleFilter, kms_key_region,
};

impl TryFrom<&FixSettingsArgs> for FixSettings {
    type Error = Error;

    /// Validate the flags; every error names the flag, the value and the fix.
    fn try_from(a: &FixSettingsArgs) -> Result<FixSettings, Error> {
        let dest_text = a
            .fix_destination
            .as_deref()
            .ok_or_else(|| missing_destination("--fix"))?;
        let destination = FixDestination::parse(dest_text).map_err(|m| {
            Error::input(format!(
                "--fix-destination {dest_text:?}: {m}\n  fix: use s3://BUCKET[/PREFIX] or cloudwatch:LOG_GROUP"
            ))
        })?;
        if let Some(role) = &a.fix_delivery_role {
            validate_role_arn(role).map_err(|m| {
                Error::input(format!(
                    "--fix-delivery-role {role:?}: {m}\n  fix: pass the ARN of the IAM role VPC Flow Logs assumes, e.g. arn:aws:iam::123456789012:role/flow-logs-delivery"
                ))
            })?;
        }
        match &destination {
            FixDestination::CloudWatch { log_group } if a.fix_delivery_role.is_none() => {
                return Err(Error::input(format!(
                    "--fix-destination cloudwatch:{} needs --fix-delivery-role: VPC Flow Logs must assume an IAM role to write to CloudWatch Logs\n  fix: add --fix-delivery-role arn:aws:iam::ACCOUNT:role/NAME (a role trusted by vpc-flow-logs.amazonaws.com)",
                    crate::term::escape(log_group)
                )));
            }
            FixDestination::S3 { .. } if a.fix_delivery_role.is_some() => {
                return Err(Error::input(
                    "--fix-delivery-role is only used with a cloudwatch: destination; S3 delivery needs no role\n  fix: drop --fix-delivery-role, or use --fix-destination cloudwatch:LOG_GROUP",
                ));
            }
            _ => {}
        }
        let mut tags = Vec::new();
        for t in &a.fix_tags {
            let (k, v) = t.split_once('=').ok_or_else(|| {
                Error::input(format!(
                    "--fix-tag {t:?}: expected KEY=VALUE\n  fix: write e.g. --fix-tag owner=security"
                ))
            })?;
            if k.is_empty() || k.len() > 128 || v.len() > 256 || k.starts_with("aws:") {
                return Err(Error::input(format!(
                    "--fix-tag {t:?}: the key must be 1-128 characters and not start with `aws:`, the value at most 256 characters\n  fix: shorten or rename the tag"
                )));
            }
            if k == CHANGE_TAG {
                return Err(Error::input(format!(
                    "--fix-tag {t:?}: the key {k:?} is reserved: every created resource carries it with its change id, which `fix --undo` checks before deleting\n  fix: use another tag key"
                )));
            }
            if tags.iter().any(|(x, _): &(String, String)| x == k) {
                return Err(Error::input(format!(
                    "--fix-tag {t:?}: the key {k:?} is given twice\n  fix: name each tag key once"
                )));
            }
            tags.push((k.to_string(), v.to_string()));
        }
        if !RETENTION_DAYS.contains(&a.fix_retention_days) {
            return Err(Error::input(format!(
                "--fix-retention-days {}: CloudWatch Logs does not accept this value\n  fix: use one of {}",
                a.fix_retention_days,
                RETENTION_DAYS
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut key_regions: Vec<&str> = Vec::new();
        for k in &a.fix_kms_key {
            let region = kms_key_region(k).ok_or_else(|| {
                Error::input(format!(
                    "--fix-kms-key {k:?}: CloudWatch Logs needs the full key ARN\n  fix: pass arn:aws:kms:REGION:ACCOUNT:key/KEY_ID"
                ))
            })?;
            if key_regions.contains(&region) {
                return Err(Error::input(format!(
                    "--fix-kms-key {k:?}: a second key for region {region}\n  fix: give one key per region"
                )));
            }
            key_regions.push(region);
        }
        if a.unsafe_fixes && a.fix_kms_key.is_empty() {
            return Err(Error::input(
                "--unsafe-fixes needs --fix-kms-key: the key to associate with unencrypted log groups\n  fix: add --fix-kms-key arn:aws:kms:REGION:ACCOUNT:key/KEY_ID",
            ));
        }
        if let Some(f) = &a.fix_log_format
            && (f.trim().is_empty() || !f.contains("${"))
        {
            return Err(Error::input(format!(
                "--fix-log-format {f:?}: a log format is a list of ${{field}} names\n  fix: e.g. --fix-log-format '${{version}} ${{vpc-id}} ${{srcaddr}} ${{dstaddr}} ${{action}}'"
            )));
        }
        let mut rules = Vec::new();
        for r in &a.fix_rules {
            let (rule_id, check_id) = match r.split_once('/') {
                Some((x, c)) => (x, Some(c.to_string())),
                None => (r.as_str(), None),
            };
            if rule_id.is_empty() || check_id.as_deref() == Some("") {
                return Err(Error::input(format!(
                    "--fix-rule {r:?}: expected RULE or RULE/CHECK\n  fix: e.g. --fix-rule VPC-001 or --fix-rule VPC-001/traffic-type-all"
                )));
            }
            rules.push(RuleFilter {
                rule_id: rule_id.to_string(),
                check_id,
            });
        }
        let mut resources = Vec::new();
        for g in &a.fix_resources {
            resources.push(glob::Pattern::new(g).map_err(|e| {
                Error::input(format!(
                    "--fix-resource {g:?}: not a valid glob at position {}: {}\n  fix: e.g. --fix-resource 'vpc-0abc*'",
                    e.pos, e.msg
                ))
            })?);
        }
        Ok(FixSettings {
            destination,
            delivery_role: a.fix_delivery_role.clone(),
            log_format: a.fix_log_format.clone(),
            max_aggregation_interval: a.fix_max_aggregation_interval,
            tags,
            kms_keys: a.fix_kms_key.clone(),
            retention_days: a.fix_retention_days,
            unsafe_fixes: a.unsafe_fixes,
            rules,
            resources,
            yes: a.yes,
            dry_run: a.dry_run,
            log_file: a.fix_log.clone(),
            // The rules' fixes are added once the rules are loaded (`fix_step::prepare`).
            checks: Default::default(),
        })
    }
}

/// The error for a fix without `--fix-destination`; `who` is `--fix` or `fix` (the command).
pub(crate) fn missing_destination(who: &str) -> Error {
    Error::input(format!(
        "{who} needs --fix-destination: where the new flow logs deliver\n  fix: add --fix-destination s3://BUCKET[/PREFIX] or --fix-destination cloudwatch:LOG_GROUP --fix-delivery-role ROLE_ARN"
    ))
}

fn validate_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty());
    if ok {
        Ok(())
    } else {
        Err("not an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dest: &str) -> FixSettingsArgs {
        FixSettingsArgs {
            fix_destination: Some(dest.into()),
            fix_retention_days: 365,
            ..Default::default()
        }
    }

    #[test]
    fn parses_s3_with_and_without_prefix() {
        assert_eq!(
            FixDestination::parse("s3://my-logs").unwrap(),
            FixDestination::S3 {
                bucket: "my-logs".into(),
                prefix: None
            }
        );
        let d = FixDestination::parse("s3://my-logs/flow/vpc/").unwrap();
        assert_eq!(
            d,
            FixDestination::S3 {
                bucket: "my-logs".into(),
                prefix: Some("flow/vpc".into())
            }
        );
        assert_eq!(d.canonical(), "s3://my-logs/flow/vpc");
        assert_eq!(
            d.s3_arn("eu-west-1").unwrap(),
            "arn:aws:s3:::my-logs/flow/vpc/"
        );
        assert_eq!(
            FixDestination::parse("s3://my-logs/")
                .unwrap()
                .s3_arn("cn-north-1")
                .unwrap(),
            "arn:aws-cn:s3:::my-logs"
        );
    }

    #[test]
    fn parses_cloudwatch() {
        let d = FixDestination::parse("cloudwatch:/vpc/flow-logs").unwrap();
        assert_eq!(d.log_group(), Some("/vpc/flow-logs"));
        assert_eq!(d.s3_arn("us-east-1"), None);
        assert_eq!(d.canonical(), "cloudwatch:/vpc/flow-logs");
    }

    #[test]
    fn rejects_bad_destinations_with_reasons() {
        for (bad, needle) in [
            ("my-bucket", "neither"),
            ("s3://", "not a valid S3 bucket"),
            ("s3://My_Bucket", "not a valid S3 bucket"),
            ("s3://ab", "not a valid S3 bucket"),
            ("s3://-bucket", "not a valid S3 bucket"),
            ("s3://bucket/a//b", "empty path segment"),
            ("s3://bucket/AWSLogs/x", "AWSLogs"),
            ("cloudwatch:", "not a valid log group"),
            ("cloudwatch:bad name", "not a valid log group"),
            ("arn:aws:s3:::bucket", "neither"),
        ] {
            let e = FixDestination::parse(bad).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn cloudwatch_needs_a_delivery_role() {
        let e = FixSettings::try_from(&args("cloudwatch:/vpc/flow")).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("--fix-delivery-role"), "{m}");
        assert_eq!(e.exit_status(), crate::error::ExitStatus::Usage);
        let mut a = args("cloudwatch:/vpc/flow");
        a.fix_delivery_role = Some("arn:aws:iam::123456789012:role/flow".into());
        assert!(FixSettings::try_from(&a).is_ok());
        a.fix_delivery_role = Some("flow-role".into());
        let m = FixSettings::try_from(&a).unwrap_err().to_string();
        assert!(m.contains("not an IAM role ARN"), "{m}");
    }

    #[test]
    fn missing_destination_is_explained() {
        let m = FixSettings::try_from(&FixSettingsArgs::default())
            .unwrap_err()
            .to_string();
        assert!(m.contains("--fix needs --fix-destination"), "{m}");
    }

    #[test]
    fn tags_retention_kms_and_filters_are_validated() {
        let mut a = args("s3://bucket-x");
        a.fix_tags = vec!["owner=sec".into(), "team=net=ops".into()];
        a.fix_rules = vec!["VPC-001/traffic-type-all".into()];
        a.fix_resources = vec!["vpc-0a*".into()];
        let s = FixSettings::try_from(&a).unwrap();
        assert_eq!(
            s.tags,
            vec![
                ("owner".into(), "sec".into()),
                ("team".into(), "net=ops".into())
            ]
        );
        assert!(s.rule_selected("VPC-001", "traffic-type-all"));
        assert!(!s.rule_selected("VPC-001", "flow-logs-enabled"));
        assert!(s.resource_selected("vpc-0abc"));
        assert!(!s.resource_selected("vpc-1abc"));

        type Edit = fn(&mut FixSettingsArgs);
        let cases: [(Edit, &str); 9] = [
            (|a| a.fix_tags = vec!["novalue".into()], "KEY=VALUE"),
            (|a| a.fix_retention_days = 366, "400"),
            (|a| a.unsafe_fixes = true, "--fix-kms-key"),
            (|a| a.fix_kms_key = vec!["alias/x".into()], "key ARN"),
            (
                |a| {
                    a.fix_kms_key = vec![
                        "arn:aws:kms:eu-west-1:123456789012:key/a".into(),
                        "arn:aws:kms:eu-west-1:123456789012:key/b".into(),
                    ]
                },
                "one key per region",
            ),
            (|a| a.fix_resources = vec!["vpc-[".into()], "--fix-resource"),
            (
                |a| a.fix_delivery_role = Some("arn:aws:iam::123456789012:role/flow".into()),
                "only used with a cloudwatch",
            ),
            (|a| a.fix_log_format = Some("version".into()), "${field}"),
            (
                |a| a.fix_tags = vec!["flowaudit:change=mine".into()],
                "reserved",
            ),
        ];
        for (edit, needle) in cases {
            let mut bad = args("s3://bucket-x");
            edit(&mut bad);
            let m = FixSettings::try_from(&bad).unwrap_err().to_string();
            assert!(m.contains(needle) && m.contains("fix:"), "{needle}: {m}");
        }

        let mut two = args("s3://bucket-x");
        two.fix_kms_key = vec![
            "arn:aws:kms:eu-west-1:123456789012:key/a".into(),
            "arn:aws:kms:us-east-1:123456789012:key/b".into(),
        ];
        let s = FixSettings::try_from(&two).unwrap();
        assert_eq!(
            s.kms_key_for("us-east-1"),
            Ok(Some("arn:aws:kms:us-east-1:123456789012:key/b"))
        );
        assert!(
            s.kms_key_for("ap-south-1")
                .unwrap_err()
                .contains("no key in region ap-south-1")
        );
    }
}
