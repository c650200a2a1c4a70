//! The evaluation of batches of VPCs, spread over the available cores, with results in batch order.

use super::check::vpc_ref;
use super::parallel::ordered_parallel;
use super::region_errors::{push_errors, unreadable};
use super::{Active, EvalOptions, Needs};
use crate::findings::Finding;
use crate::inventory::{Inventory, InventoryHead, Vpc, VpcBatch};
use crate::rules::RuleSet;
use crate::rules::cel_values;
use serde_json::{Value as JsonValue, json};
use std::sync::Arc;

/// Consecutive VPCs of one region entry (by its index in the inventory and its head), evaluated
/// as one unit of work.
pub struct Batch<'v> {
    pub region: usize,
    pub vpcs: std::borrow::Cow<'v, [Vpc]>,
}

impl From<VpcBatch> for Batch<'static> {
    fn from(b: VpcBatch) -> Self {
        Batch {
            region: b.region,
            vpcs: std::borrow::Cow::Owned(b.vpcs),
        }
    }
}

/// The VPCs of an inventory in memory, in batches of [`BATCH`].
pub fn batches_of(inv: &Inventory) -> impl Iterator<Item = Batch<'_>> + Send {
    inv.regions.iter().enumerate().flat_map(|(region, r)| {
        r.vpcs.chunks(BATCH).map(move |c| Batch {
            region,
            vpcs: std::borrow::Cow::Borrowed(c),
        })
    })
}

/// Evaluation prepared once per scan: the rules with their parameters, the options, and the
/// scan's errors. It then judges batches of VPCs as they come, so that an inventory can be
/// evaluated while it is read; the order of results is that of the batches, followed by
/// [`Evaluator::unlisted_regions`].
pub struct Evaluator<'a> {
    pub(super) rules: &'a RuleSet,
    pub(super) active: Vec<Active<'a>>,
    pub(super) head: &'a InventoryHead,
    pub(super) options: JsonValue,
    pub(super) needs: Needs,
}

/// VPCs evaluated as one unit of work; results are handed on per batch.
pub const BATCH: usize = 256;

impl<'a> Evaluator<'a> {
    /// Prepare to evaluate every rule of `rules` over the inventory whose head is `head`.
    pub fn new(rules: &'a RuleSet, opts: &EvalOptions, head: &'a InventoryHead) -> Self {
        let active = rules.rules.iter().map(Active::new).collect();
        Self::with_active(rules, active, opts, head)
    }

    pub(crate) fn with_active(
        rules: &'a RuleSet,
        active: Vec<Active<'a>>,
        opts: &EvalOptions,
        head: &'a InventoryHead,
    ) -> Self {
        Evaluator {
            rules,
            active,
            head,
            options: json!({
                "accept_subnet_coverage": opts.accept_subnet_coverage,
                "account_id": head.scan.account_id,
            }),
            needs: opts.needs,
        }
    }

    pub(super) fn vpc_rules(&self) -> Vec<&Active<'a>> {
        self.active
            .iter()
            .filter(|a| a.rule.resource == "vpc")
            .collect()
    }

    /// Evaluate batches of VPCs, spread over the available cores, handing each batch's results to
    /// `emit` in batch order, on the calling thread. `source` is pulled from the worker threads,
    /// so it may itself wait for input (an inventory file being read).
    pub fn batches<'v>(
        &self,
        source: impl Iterator<Item = Batch<'v>> + Send,
        emit: &mut dyn FnMut(Vec<Finding>),
    ) {
        let vpc_rules = self.vpc_rules();
        if vpc_rules.is_empty() {
            return;
        }
        let per_vpc: usize = vpc_rules.iter().map(|a| a.rule.checks.len()).sum();
        let broken: Vec<Option<String>> = self
            .head
            .regions
            .iter()
            .map(|k| unreadable(&self.head.errors, &k.region, &k.account_id))
            .collect();
        let work = |batch: Batch| -> Vec<Finding> {
            let key = self.head.regions.get(batch.region);
            let (name, account) = key.map_or(("", ""), |k| (&*k.region, &*k.account_id));
            let broken = match key {
                Some(_) => broken[batch.region].clone(),
                // Cannot happen when the batches come from the inventory the head was read from;
                // said rather than skipped if it does.
                None => Some(format!(
                    "its region entry #{} is not in the inventory's list of regions",
                    batch.region + 1
                )),
            };
            let mut out = Vec::with_capacity(batch.vpcs.len() * per_vpc);
            let options_cel = cel_values::shared_val(cel_values::json_to_cel(&self.options));
            for vpc in batch.vpcs.iter() {
                if let Some(msg) = &broken {
                    let message = format!("VPC {} cannot be judged: {msg}", vpc.id);
                    push_errors(
                        &mut out,
                        &vpc_rules,
                        &Arc::new(vpc_ref(name, account, vpc)),
                        &message,
                    );
                    continue;
                }
                self.eval_vpc(
                    &vpc_rules,
                    name,
                    account,
                    vpc,
                    options_cel.as_ref(),
                    &mut out,
                );
            }
            out
        };
        ordered_parallel(source, &work, emit);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::findings::Status;

    #[test]
    fn vpcs_of_an_unknown_region_entry_are_errors_not_dropped() {
        let set = rules();
        let inv = inventory("available", 0, json!([]));
        let head = inv.head();
        let ev = Evaluator::new(&set, &EvalOptions::default(), &head);
        let mut got = Vec::new();
        ev.batches(
            std::iter::once(Batch {
                region: 7,
                vpcs: std::borrow::Cow::Borrowed(&inv.regions[0].vpcs),
            }),
            &mut |mut part| got.append(&mut part),
        );
        assert_eq!(got.len(), 4, "one result per check");
        assert!(got.iter().all(|f| f.status == Status::Error
            && f.message.contains("region entry #8")
            && f.resource.id == "vpc-1"));
    }
}
