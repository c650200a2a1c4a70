//! `scan --resource`: the resources a targeted re-check reads, each named by its id (with the
//! scan's one `--region`, and in an organization scan its `--account`) or by its ARN, which names
//! its own account and region.

use crate::error::Error;
use crate::inventory::validate::{self, show};
use crate::kinds::ResourceKind;
use crate::term::escape;
use std::collections::{BTreeMap, BTreeSet};

/// One resource to re-check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub kind: ResourceKind,
    pub id: String,
    /// The account an ARN names; `None` for a bare id (any account the scan reads).
    pub account: Option<String>,
    pub region: String,
}

/// The resources of one account-region to re-check, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionTargets {
    pub vpcs: Vec<String>,
    pub transit_gateways: Vec<String>,
}

impl RegionTargets {
    /// The ids of `kind`.
    pub fn ids(&self, kind: ResourceKind) -> &[String] {
        match kind {
            ResourceKind::Vpc => &self.vpcs,
            ResourceKind::TransitGateway => &self.transit_gateways,
        }
    }

    fn push(&mut self, kind: ResourceKind, id: &str) {
        let v = match kind {
            ResourceKind::Vpc => &mut self.vpcs,
            ResourceKind::TransitGateway => &mut self.transit_gateways,
        };
        if !v.iter().any(|x| x == id) {
            v.push(id.to_string());
        }
    }
}

/// Every resource of a targeted re-check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets(pub Vec<Target>);

impl Targets {
    /// Parse `--resource` values: ids with `regions` (exactly one must be given), or ARNs.
    pub fn parse(values: &[String], regions: &[String]) -> Result<Targets, Error> {
        let mut out = Vec::new();
        for raw in values {
            let v = raw.trim();
            out.push(if v.starts_with("arn:") {
                parse_arn(v)?
            } else {
                let kind = kind_of_id(v)?;
                let region = match regions {
                    [one] => one.trim().to_string(),
                    _ => {
                        return Err(Error::input(format!(
                            "--resource {}: an id needs exactly one --region to say where it is{}\n  fix: add --region REGION, or give the resource's ARN (arn:aws:ec2:REGION:ACCOUNT:{}/{})",
                            escape(v),
                            if regions.is_empty() {
                                String::new()
                            } else {
                                format!(" ({} were given)", regions.len())
                            },
                            kind.arn_type(),
                            escape(v)
                        )));
                    }
                };
                Target {
                    kind,
                    id: v.to_string(),
                    account: None,
                    region,
                }
            });
        }
        out.sort();
        out.dedup();
        Ok(Targets(out))
    }

    /// The regions with a resource to re-check in `account`.
    pub fn regions_of(&self, account: &str) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .0
            .iter()
            .filter(|t| t.account.as_deref().is_none_or(|a| a == account))
            .map(|t| t.region.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The resources to re-check in `account` and `region`.
    pub fn of(&self, account: &str, region: &str) -> RegionTargets {
        let mut r = RegionTargets::default();
        for t in self
            .0
            .iter()
            .filter(|t| t.region == region && t.account.as_deref().is_none_or(|a| a == account))
        {
            r.push(t.kind, &t.id);
        }
        r
    }

    /// The accounts the ARNs name.
    pub fn accounts(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.0.iter().filter_map(|t| t.account.as_deref()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The resources by account (`None`: any) and region, for messages.
    pub fn by_place(&self) -> BTreeMap<(Option<String>, String), Vec<String>> {
        let mut m: BTreeMap<(Option<String>, String), Vec<String>> = BTreeMap::new();
        for t in &self.0 {
            m.entry((t.account.clone(), t.region.clone()))
                .or_default()
                .push(t.id.clone());
        }
        m
    }
}

fn kind_of_id(id: &str) -> Result<ResourceKind, Error> {
    let kind = ResourceKind::ALL
        .into_iter()
        .find(|k| id.starts_with(k.id_prefix()))
        .ok_or_else(|| {
            Error::input(format!(
                "--resource {}: not the id or ARN of a resource flowaudit checks\n  fix: give a VPC id (vpc-...), a transit gateway id (tgw-...) or the ARN of one",
                show(id)
            ))
        })?;
    kind.check_id(id)
        .map_err(|rule| Error::input(format!("--resource {}: {rule}", show(id))))?;
    Ok(kind)
}

/// `arn:PARTITION:ec2:REGION:ACCOUNT:vpc/vpc-...` (or `transit-gateway/tgw-...`).
fn parse_arn(arn: &str) -> Result<Target, Error> {
    let bad = |why: &str| {
        Error::input(format!(
            "--resource {}: {why}\n  fix: give an ARN such as arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc1234 or arn:aws:ec2:eu-west-1:123456789012:transit-gateway/tgw-0abc1234",
            show(arn)
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _partition, service, region, account, resource] = parts[..] else {
        return Err(bad("not an ARN of six parts"));
    };
    if service != "ec2" {
        return Err(bad("not an EC2 ARN"));
    }
    validate::region(region).map_err(|r| bad(&format!("region: {r}")))?;
    validate::account_id(account).map_err(|r| bad(&format!("account: {r}")))?;
    let (ty, id) = resource
        .split_once('/')
        .ok_or_else(|| bad("no resource type and id"))?;
    let kind = ResourceKind::ALL
        .into_iter()
        .find(|k| k.arn_type() == ty)
        .ok_or_else(|| bad("not a VPC or transit gateway ARN"))?;
    kind.check_id(id).map_err(bad)?;
    Ok(Target {
        kind,
        id: id.to_string(),
        account: Some(account.to_string()),
        region: region.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn ids_take_the_one_region_and_arns_name_their_own() {
        let t = Targets::parse(
            &s(&[
                "vpc-0123456789abcdef0",
                "arn:aws:ec2:eu-west-1:111111111111:transit-gateway/tgw-0123456789abcdef0",
                "vpc-0123456789abcdef0",
            ]),
            &s(&["us-east-1"]),
        )
        .unwrap();
        assert_eq!(t.0.len(), 2, "duplicates are one");
        assert_eq!(t.regions_of("222222222222"), s(&["us-east-1"]));
        assert_eq!(t.regions_of("111111111111"), s(&["eu-west-1", "us-east-1"]));
        assert_eq!(
            t.of("111111111111", "eu-west-1").transit_gateways,
            s(&["tgw-0123456789abcdef0"])
        );
        assert!(
            t.of("222222222222", "eu-west-1")
                .transit_gateways
                .is_empty()
        );
        assert_eq!(t.accounts(), s(&["111111111111"]));
    }

    #[test]
    fn bad_values_are_refused_with_what_to_give() {
        let bad = |v: &str, regions: &[&str]| {
            Targets::parse(&s(&[v]), &s(regions))
                .unwrap_err()
                .to_string()
        };
        assert!(bad("vpc-0123456789abcdef0", &[]).contains("exactly one --region"));
        assert!(bad("vpc-0123456789abcdef0", &["a-b-1", "c-d-2"]).contains("2 were given"));
        assert!(bad("subnet-0123456789abcdef0", &["us-east-1"]).contains("not the id or ARN"));
        assert!(bad("vpc-XYZ", &["us-east-1"]).contains("lowercase hex"));
        assert!(
            bad("arn:aws:s3:::bucket", &[]).contains("not an ARN of six parts")
                || bad("arn:aws:s3:::bucket", &[]).contains("not an EC2 ARN")
        );
        assert!(bad("arn:aws:ec2:eu-west-1:12:vpc/vpc-0123456789abcdef0", &[]).contains("account"));
        assert!(
            bad(
                "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-01234567",
                &[]
            )
            .contains("not a VPC or transit gateway ARN")
        );
        assert!(!bad("vpc-\u{1b}[31m", &["us-east-1"]).contains('\u{1b}'));
    }
}
