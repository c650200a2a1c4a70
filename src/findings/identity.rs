//! The identity of a result: its account, region, resource, rule and check, hashed. The same
//! result has the same identity from run to run, whatever its message or status; the SARIF
//! fingerprint, `flowaudit diff`, `--baseline` and the merging of reports match results by it.

use super::Finding;
use sha2::{Digest, Sha256};

/// A hash of account, region, resource, rule and check: the same alert from run to run.
pub fn fingerprint(f: &Finding) -> String {
    hex::encode(identity(f))
}

/// The identity [`fingerprint`] is the hex form of: a result's account, region, resource, rule
/// and check, hashed. `flowaudit diff` and `--baseline` match results by it.
pub fn identity(f: &Finding) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        &f.resource.account_id,
        &f.resource.region,
        &f.resource.id,
        &f.rule_id,
        &f.check_id,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}
