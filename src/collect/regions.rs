//! Region names: validation of user input against the known regions, ARN partitions, and the
//! choice of which discovered regions to scan.

use crate::error::Error;

/// Every region name flowaudit knows, grouped by partition. A name outside this list is rejected
/// before any AWS call, so that a typo never turns into a silent "nothing found".
const KNOWN_REGIONS: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    ),
    ("aws-cn", &["cn-north-1", "cn-northwest-1"]),
    ("aws-us-gov", &["us-gov-east-1", "us-gov-west-1"]),
    ("aws-iso", &["us-iso-east-1", "us-iso-west-1"]),
    ("aws-iso-b", &["us-isob-east-1", "us-isob-west-1"]),
    ("aws-iso-e", &["eu-isoe-west-1"]),
    ("aws-iso-f", &["us-isof-east-1", "us-isof-south-1"]),
    ("aws-eusc", &["eusc-de-east-1"]),
];

/// True when `name` is a region flowaudit knows.
pub fn is_known(name: &str) -> bool {
    KNOWN_REGIONS
        .iter()
        .any(|(_, regions)| regions.contains(&name))
}

/// The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`, ...); `aws` when unknown.
pub fn partition_of(region: &str) -> &'static str {
    KNOWN_REGIONS
        .iter()
        .find(|(_, regions)| regions.contains(&region))
        .map(|(p, _)| *p)
        .unwrap_or_else(|| {
            if region.starts_with("cn-") {
                "aws-cn"
            } else if region.starts_with("us-gov-") {
                "aws-us-gov"
            } else {
                "aws"
            }
        })
}

/// The partition named in an ARN (`arn:PARTITION:...`), if it is one.
pub fn partition_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.next())
        .flatten()
        .filter(|p| !p.is_empty())
}

/// Check `--region` / `--exclude-region` values; the error names the flag, the value and the closest known name.
pub fn validate(flag: &str, names: &[String]) -> Result<(), Error> {
    for name in names {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(Error::input(format!(
                "{flag}: empty region name\n  fix: give region names such as us-east-1, separated by commas"
            )));
        }
        if !is_known(trimmed) {
            let hint = match closest(trimmed) {
                Some(s) => format!("did you mean {s:?}? "),
                None => String::new(),
            };
            return Err(Error::input(format!(
                "{flag}: unknown region {trimmed:?}\n  fix: {hint}use a region name such as us-east-1 (see `aws ec2 describe-regions`)"
            )));
        }
    }
    Ok(())
}

/// The known region name closest to `name` (edit distance), when it is plausibly a typo.
pub fn closest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    KNOWN_REGIONS
        .iter()
        .flat_map(|(_, regions)| regions.iter().copied())
        .map(|r| (crate::suggest::edit_distance(&lower, r), r))
        .min()
        .filter(|(d, _)| *d <= 4)
        .map(|(_, r)| r)
}

/// A region as DescribeRegions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredRegion {
    pub name: String,
    /// OptInStatus: `opt-in-not-required`, `opted-in` or `not-opted-in`.
    pub opt_in_status: Option<String>,
}

impl DiscoveredRegion {
    /// Enabled for the account: no opt-in needed, or opted in.
    pub fn is_enabled(&self) -> bool {
        matches!(
            self.opt_in_status.as_deref(),
            None | Some("opt-in-not-required") | Some("opted-in")
        )
    }
}

/// The outcome of region selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPlan {
    /// Regions to collect, sorted.
    pub scan: Vec<String>,
    /// Requested regions that the account has not enabled (each becomes a scan error).
    pub not_enabled: Vec<String>,
}

/// Choose the regions to scan: the enabled regions of the account's partition, narrowed by the
/// requested ones and minus the excluded ones. `discovered` is `None` when DescribeRegions failed
/// and the requested regions are taken as they are.
pub fn plan(
    discovered: Option<&[DiscoveredRegion]>,
    partition: &str,
    requested: &[String],
    excluded: &[String],
) -> RegionPlan {
    let excluded: Vec<&str> = excluded.iter().map(|s| s.trim()).collect();
    let requested: Vec<&str> = requested.iter().map(|s| s.trim()).collect();
    let mut scan = Vec::new();
    let mut not_enabled = Vec::new();
    match discovered {
        Some(found) => {
            let enabled: Vec<&str> = found
                .iter()
                .filter(|r| r.is_enabled() && partition_of(&r.name) == partition)
                .map(|r| r.name.as_str())
                .collect();
            if requested.is_empty() {
                scan.extend(enabled.iter().map(|s| s.to_string()));
            } else {
                for r in &requested {
                    if enabled.contains(r) {
                        scan.push(r.to_string());
                    } else {
                        not_enabled.push(r.to_string());
                    }
                }
            }
        }
        None => scan.extend(requested.iter().map(|s| s.to_string())),
    }
    scan.retain(|r| !excluded.contains(&r.as_str()));
    not_enabled.retain(|r| !excluded.contains(&r.as_str()));
    scan.sort();
    scan.dedup();
    not_enabled.sort();
    not_enabled.dedup();
    RegionPlan { scan, not_enabled }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(name: &str, status: &str) -> DiscoveredRegion {
        DiscoveredRegion {
            name: name.into(),
            opt_in_status: Some(status.into()),
        }
    }

    #[test]
    fn unknown_region_is_named_with_a_suggestion() {
        let err = validate("--region", &["us-esat-1".into()]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"us-esat-1\""), "{msg}");
        assert!(msg.contains("did you mean \"us-east-1\""), "{msg}");
        assert!(validate("--region", &["eu-west-1".into(), "cn-north-1".into()]).is_ok());
        assert!(validate("--exclude-region", &["".into()]).is_err());
        assert_eq!(closest("zzzzzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn partitions() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(
            partition_of_arn("arn:aws-cn:sts::1:assumed-role/x"),
            Some("aws-cn")
        );
        assert_eq!(partition_of_arn("nope"), None);
    }

    #[test]
    fn plan_keeps_enabled_regions_of_the_partition() {
        let found = vec![
            d("us-east-1", "opt-in-not-required"),
            d("af-south-1", "not-opted-in"),
            d("ap-east-1", "opted-in"),
            d("cn-north-1", "opt-in-not-required"),
            d("eu-west-1", "opt-in-not-required"),
        ];
        let p = plan(Some(&found), "aws", &[], &["eu-west-1".into()]);
        assert_eq!(p.scan, vec!["ap-east-1", "us-east-1"]);
        assert!(p.not_enabled.is_empty());
        let p = plan(
            Some(&found),
            "aws",
            &["af-south-1".into(), "us-east-1".into(), "us-east-1".into()],
            &[],
        );
        assert_eq!(p.scan, vec!["us-east-1"]);
        assert_eq!(p.not_enabled, vec!["af-south-1"]);
        let p = plan(None, "aws", &["eu-west-1".into()], &[]);
        assert_eq!(p.scan, vec!["eu-west-1"]);
    }
}
