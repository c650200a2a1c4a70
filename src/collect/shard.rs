//! The partition of a scan's selected accounts into shards (`scan --shard INDEX/COUNT`).
//!
//! An account's shard is chosen by rendezvous (highest-random-weight) hashing of its id: each
//! shard gives the account a pseudo-random weight, and the account goes to the shard with the
//! highest. So the partition is a pure function of the account id and the number of shards:
//! every shard process computes it alone, every account lands in exactly one shard, shards are
//! balanced in expectation, an account added to (or removed from) the organization moves no other
//! account, and going from N to N+1 shards moves only the accounts the new shard takes (about one
//! in N+1). The hash is fixed here (FNV-1a, then the SplitMix64 finaliser), not the standard
//! library's, so every build and platform agrees.

/// One shard of a partition: a 0-based `index` below `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether this shard scans `account`.
    pub fn owns(&self, account: &str) -> bool {
        shard_of(account, self.count) == self.index
    }
}

/// The shard (below `count`) that account id `account` belongs to.
pub fn shard_of(account: &str, count: u32) -> u32 {
    let key = fnv1a(account.as_bytes());
    let mut best = (0u64, 0u32);
    for i in 0..count.max(1) {
        let w = mix(key ^ mix(u64::from(i).wrapping_add(1)));
        if i == 0 || w > best.0 {
            best = (w, i);
        }
    }
    best.1
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The SplitMix64 finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u64, from: u64) -> Vec<String> {
        (from..from + n)
            .map(|i| format!("{:012}", 100_000_000_000 + i * 7919))
            .collect()
    }

    #[test]
    fn every_account_is_in_exactly_one_shard() {
        for count in [1, 2, 3, 7] {
            for id in ids(500, 0) {
                let owners: Vec<u32> = (0..count)
                    .filter(|i| Shard { index: *i, count }.owns(&id))
                    .collect();
                assert_eq!(owners.len(), 1, "{id} in {owners:?} of {count}");
            }
        }
    }

    #[test]
    fn shards_are_balanced() {
        for count in [2u32, 3, 8, 16] {
            let all = ids(20_000, 0);
            let mut sizes = vec![0usize; count as usize];
            for id in &all {
                sizes[shard_of(id, count) as usize] += 1;
            }
            let mean = all.len() / count as usize;
            for s in &sizes {
                assert!(s.abs_diff(mean) * 100 < mean * 5, "{count}: {sizes:?}");
            }
        }
    }

    #[test]
    fn adding_a_shard_moves_only_what_it_must() {
        let after = ids(1_300, 0);
        // From 5 to 6 shards: an account either stays or moves to the new shard, about 1 in 6.
        let moved = after
            .iter()
            .filter(|id| {
                let (a, b) = (shard_of(id, 5), shard_of(id, 6));
                assert!(a == b || b == 5, "{id}: {a} -> {b}");
                a != b
            })
            .count();
        assert!((150..300).contains(&moved), "{moved} of {}", after.len());
    }

    #[test]
    fn the_partition_is_fixed() {
        // Pinned: a change of hash would move every organization's accounts between shards.
        let got: Vec<u32> = [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444",
        ]
        .iter()
        .map(|id| shard_of(id, 3))
        .collect();
        assert_eq!(got, PINNED);
    }

    const PINNED: [u32; 4] = [0, 1, 0, 2];
}
