//! "Did you mean …?": the known name closest to a name that is not known (rule ids, checks,
//! fields, regions). It imports nothing of the crate, so any module may use it.

/// The candidate closest to `name` (edit distance, ASCII case ignored), when it is close enough
/// to be what was meant (a few edits, or the same first half, as in a shortened name); the first
/// of equally close candidates.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let n = lower.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let d = edit_distance(&lower, &c_lower);
            let common = lower
                .chars()
                .zip(c_lower.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let close = d <= (n.min(c_lower.chars().count()) / 3).max(1)
                || common >= (n.max(c_lower.chars().count()) / 2).max(4);
            close.then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean "X"?` for the closest candidate, or nothing.
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}

/// Levenshtein distance, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_name_is_suggested_and_a_distant_one_is_not() {
        let rules = ["VPC-001", "VPC-002", "TGW-001"];
        assert_eq!(closest("VPC-01", rules), Some("VPC-001"));
        assert_eq!(closest("vpc-002", rules), Some("VPC-002"));
        assert_eq!(closest("VPC-009", rules), Some("VPC-001"));
        assert_eq!(closest("S3-BUCKET-42", rules), None);
        let fields = ["active_vpc_logs", "active_logs", "flow_logs"];
        assert_eq!(closest("active_vpc_log", fields), Some("active_vpc_logs"));
        assert_eq!(closest("x", fields), None);
        // A shortened name.
        assert_eq!(
            closest("flow-log", ["flow-logs-enabled"]),
            Some("flow-logs-enabled")
        );
        assert_eq!(hint("flow_log", fields), "; did you mean \"flow_logs\"?");
        assert_eq!(hint("zzz", fields), "");
    }
}
