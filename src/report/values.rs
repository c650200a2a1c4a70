//! The values of a saved report (`flowaudit/report/v1`) that its reader checks, as an
//! inventory's are checked on load ([`crate::inventory::validate`]): account ids have the shape
//! AWS gives them (12 digits), and every number is within the bounds of the flag or the AWS limit
//! that produced it. Paths are relative to the part checked; the reader adds its name.
//!
//! Not checked here, because a report reader never reads them: `summary` and `baseline` (counted
//! again whenever a report is written). The limits of `rules[].checks[].fix.creates` are rule
//! parameters, which rule files set to any integer; they are only compared, never used to size
//! anything.

use super::v1::{FixOutcome, ScanSection, ShardInfo, SuppressionSection};
use crate::cli::org_args::MAX_SHARDS;
use crate::findings::Finding;
use crate::inventory::validate::{self, Invalid, Rule};

const SHARD_COUNT: Rule = "expected a shard count from 1 to 10000, as `--shard` takes it";
const SHARD_INDEX: Rule = "expected a shard index below the shard count";
const ENTRY_INDEX: Rule = "expected the 1-based number of a suppressions-file entry";

/// The `scan` section: its accounts, errors, account details and shard.
pub fn scan(s: &ScanSection) -> Result<(), Invalid> {
    validate::each_value("accounts", &s.accounts, validate::account_id)?;
    for (i, e) in s.errors.iter().enumerate() {
        validate::scan_error(e).map_err(|e| e.within(format_args!("errors[{i}]")))?;
    }
    validate::accounts_at("account_details", &s.account_details)?;
    match &s.shard {
        Some(shard) => self::shard(shard).map_err(|e| e.within("shard")),
        None => Ok(()),
    }
}

/// A shard: a count `--shard` takes, an index below it, and its accounts.
pub fn shard(s: &ShardInfo) -> Result<(), Invalid> {
    if !(1..=MAX_SHARDS).contains(&s.count) {
        return Err(Invalid::number("count", SHARD_COUNT, s.count));
    }
    if s.index >= s.count {
        return Err(Invalid::number("index", SHARD_INDEX, s.index));
    }
    validate::each_value("accounts", &s.accounts, validate::account_id)
}

/// The suppression bookkeeping: each entry's number is 1-based.
pub fn suppressions(s: &SuppressionSection) -> Result<(), Invalid> {
    for (name, list) in [("expired", &s.expired), ("unmatched", &s.unmatched)] {
        if let Some(i) = list.iter().position(|e| e.index == 0) {
            return Err(Invalid::number(
                &format!("{name}[{i}].index"),
                ENTRY_INDEX,
                0,
            ));
        }
    }
    Ok(())
}

/// The fixes (`fixes`, whose name the paths hold): each one's account.
pub fn fixes(list: &[FixOutcome]) -> Result<(), Invalid> {
    for (i, f) in list.iter().enumerate() {
        validate::field("account_id", &f.account_id, validate::account_id)
            .map_err(|e| e.within(format_args!("fixes[{i}]")))?;
    }
    Ok(())
}

/// One result: its resource's account and count of network interfaces.
pub fn result(f: &Finding) -> Result<(), Invalid> {
    let r = &f.resource;
    validate::field("account_id", &r.account_id, validate::account_id)
        .and_then(|()| validate::network_interfaces("network_interfaces", r.network_interfaces))
        .map_err(|e| e.within("resource"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shard_rule_names_the_bound_of_the_flag() {
        assert!(SHARD_COUNT.contains(&format!(" to {MAX_SHARDS},")));
    }

    #[test]
    fn shards_are_bounded_as_the_flag_bounds_them() {
        let shard = |index, count| ShardInfo {
            index,
            count,
            accounts: vec!["111111111111".into()],
        };
        assert_eq!(self::shard(&shard(0, 1)), Ok(()));
        assert_eq!(self::shard(&shard(9_999, MAX_SHARDS)), Ok(()));
        for (s, path, shown) in [
            (shard(0, 0), "count", "0"),
            (shard(0, MAX_SHARDS + 1), "count", "10001"),
            (shard(0, u32::MAX), "count", "4294967295"),
            (shard(3, 3), "index", "3"),
        ] {
            let e = self::shard(&s).unwrap_err();
            assert_eq!((e.path.as_str(), e.shown.as_str()), (path, shown));
        }
        let mut s = shard(0, 2);
        s.accounts.push("_".into());
        assert_eq!(self::shard(&s).unwrap_err().path, "accounts[1]");
    }
}
