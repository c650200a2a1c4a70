//! The evaluation of batches of resources, spread over the available cores, with results in
//! batch order.

use super::check::{AccountView, Judging};
use super::parallel::ordered_parallel;
use super::region_errors::{push_all, push_errors, unlisted_regions, unreadable};
use super::{Active, EvalOptions, Needs};
use crate::findings::{Finding, Status};
use crate::inventory::{Account, Inventory, InventoryHead};
use crate::kinds::{ResourceBatch, ResourceKind};
use crate::rules::RuleSet;
use crate::rules::cel_values;
use serde_json::Value as JsonValue;
use std::collections::HashMap;
use std::sync::Arc;

/// The resources of an inventory in memory, in batches of at most [`BATCH`] resources of one
/// kind, each region entry's kinds in the order of [`ResourceKind::ALL`] (the order in which a
/// saved inventory streams them).
pub fn batches_of(inv: &Inventory) -> impl Iterator<Item = ResourceBatch<'_>> + Send {
    inv.regions.iter().enumerate().flat_map(|(region, r)| {
        ResourceKind::ALL.into_iter().flat_map(move |kind| {
            kind.chunks(r, BATCH)
                .into_iter()
                .map(move |resources| ResourceBatch { region, resources })
        })
    })
}

/// Evaluation prepared once per scan: the rules with their parameters, the options, and the
/// scan's errors. It then judges batches of resources as they come, so that an inventory can be
/// evaluated while it is read; the order of results is that of the batches, followed by
/// [`Evaluator::unlisted_regions`].
pub struct Evaluator<'a> {
    rules: &'a RuleSet,
    active: Vec<Active<'a>>,
    head: &'a InventoryHead,
    options: JsonValue,
    needs: Needs,
    skip_unused: bool,
    /// The `account` of each account the scan holds, built once per scan, and for each region
    /// entry of the head the index of its account here.
    accounts: Vec<AccountView>,
    region_account: Vec<usize>,
}

/// Resources evaluated as one unit of work; results are handed on per batch.
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
        let (accounts, region_account) = account_views(head);
        Evaluator {
            rules,
            active,
            head,
            accounts,
            region_account,
            options: cel_values::options_json(opts.accept_subnet_coverage, &head.scan.account_id),
            needs: opts.needs,
            skip_unused: opts.skip_unused,
        }
    }

    /// The account of the region entry with this index.
    fn account_of(&self, region: usize) -> Option<&AccountView> {
        self.region_account
            .get(region)
            .and_then(|&i| self.accounts.get(i))
    }

    /// The rules of each resource kind, by [`ResourceKind::index`].
    fn rules_by_kind(&self) -> Vec<Vec<&Active<'a>>> {
        ResourceKind::ALL
            .iter()
            .map(|kind| {
                self.active
                    .iter()
                    .filter(|a| a.rule.resource == kind.name())
                    .collect()
            })
            .collect()
    }

    /// Error results for the regions whose resources could not be listed at all (see
    /// [`unlisted_regions`]).
    pub fn unlisted_regions(&self) -> Vec<Finding> {
        unlisted_regions(self.head, &self.rules_by_kind())
    }

    /// Evaluate batches of resources, spread over the available cores, handing each batch's
    /// results to `emit` in batch order, on the calling thread. `source` is pulled from the
    /// worker threads, so it may itself wait for input (an inventory file being read).
    pub fn batches<'v>(
        &self,
        source: impl Iterator<Item = ResourceBatch<'v>> + Send,
        emit: &mut dyn FnMut(Vec<Finding>),
    ) {
        let rules = self.rules_by_kind();
        if rules.iter().all(Vec::is_empty) {
            return;
        }
        let per_resource: Vec<usize> = rules
            .iter()
            .map(|of_kind| of_kind.iter().map(|a| a.rule.checks.len()).sum())
            .collect();
        // Why each region entry's data for each kind is incomplete, if it is.
        let broken: Vec<Vec<Option<String>>> = ResourceKind::ALL
            .iter()
            .map(|&kind| {
                self.head
                    .regions
                    .iter()
                    .map(|k| unreadable(&self.head.errors, &k.region, &k.account_id, Some(kind)))
                    .collect()
            })
            .collect();
        let work = |batch: ResourceBatch| -> Vec<Finding> {
            let kind = batch.resources.kind();
            let of_kind = &rules[kind.index()];
            if of_kind.is_empty() {
                return Vec::new();
            }
            let key = self.head.regions.get(batch.region);
            let (name, account) = key.map_or(("", ""), |k| (&*k.region, &*k.account_id));
            let broken = match key {
                Some(_) => broken[kind.index()][batch.region].clone(),
                // Cannot happen when the batches come from the inventory the head was read
                // from; said rather than skipped if it does.
                None => Some(format!(
                    "its region entry #{} is not in the inventory's list of regions",
                    batch.region + 1
                )),
            };
            let mut out = Vec::with_capacity(batch.resources.len() * per_resource[kind.index()]);
            let options_cel = cel_values::shared_val(cel_values::json_to_cel(&self.options));
            let fallback;
            let account_view = match self.account_of(batch.region) {
                Some(v) => v,
                None => {
                    fallback = AccountView {
                        cel: cel_values::account_value(account, None),
                        json: cel_values::account_json(account, None),
                    };
                    &fallback
                }
            };
            let judging = Judging {
                rules: self.rules,
                needs: self.needs,
                options: &self.options,
                options_cel: options_cel.as_ref(),
                account: account_view,
            };
            for item in batch.resources.iter() {
                let resource = Arc::new(item.resource_ref(name, account));
                if let Some(msg) = &broken {
                    let message = format!(
                        "{} {} cannot be judged: {msg}",
                        kind.noun_capitalized(),
                        item.id()
                    );
                    push_errors(&mut out, of_kind, &resource, &message);
                    continue;
                }
                if self.skip_unused && resource.network_interfaces == Some(0) {
                    let message = format!(
                        "{} {} has no network interfaces, so nothing in it sends or receives traffic; skipped because unused {} are skipped (--skip-unused)",
                        kind.noun_capitalized(),
                        item.id(),
                        kind.plural()
                    );
                    push_all(&mut out, of_kind, &resource, &message, Status::Skipped);
                    continue;
                }
                judging.resource(of_kind, (kind, item, resource), (name, account), &mut out);
            }
            out
        };
        ordered_parallel(source, &work, emit);
    }
}

/// The `account` of every account of the head's region entries (once each, however many regions
/// and VPCs it has), from the inventory's `accounts` when it lists the account; and for each
/// region entry, the index of its account.
fn account_views(head: &InventoryHead) -> (Vec<AccountView>, Vec<usize>) {
    let listed: HashMap<&str, &Account> =
        head.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut views = Vec::new();
    let region_account = head
        .regions
        .iter()
        .map(|k| {
            let id = k.account_id.as_str();
            *index.entry(id).or_insert_with(|| {
                let a = listed.get(id).copied();
                views.push(AccountView {
                    cel: cel_values::account_value(id, a),
                    json: cel_values::account_json(id, a),
                });
                views.len() - 1
            })
        })
        .collect();
    (views, region_account)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::findings::Status;
    use serde_json::json;

    #[test]
    fn vpcs_of_an_unknown_region_entry_are_errors_not_dropped() {
        let set = rules();
        let inv = inventory("available", 0, json!([]));
        let head = inv.head();
        let ev = Evaluator::new(&set, &EvalOptions::default(), &head);
        let mut got = Vec::new();
        ev.batches(
            std::iter::once(ResourceBatch {
                region: 7,
                resources: crate::kinds::Resources::borrowed(&inv.regions[0].vpcs),
            }),
            &mut |mut part| got.append(&mut part),
        );
        assert_eq!(got.len(), 4, "one result per check");
        assert!(got.iter().all(|f| f.status == Status::Error
            && f.message.contains("region entry #8")
            && f.resource.id == "vpc-1"));
    }

    const ACCOUNT_RULE: &str = r#"
id = "T-3"
title = "t"
description = "d"
severity = "high"
resource = "vpc"

[[checks]]
id = "prod-in-workloads"
title = "reads account"
condition = "account.tags['env'] == 'prod' && 'Workloads' in account.ou_names && account.ou_path[1].id == 'ou-ab12-22222222'"
pass = "{{account.id}} {{account.name}} {{join account.ou_names '/'}} {{account.tags.env}} {{account.ou_path.0.id}}"
fail = "{{account.id}} [{{account.name}}] [{{join account.ou_names '/'}}] {{vpc.region}}"
"#;

    /// Two region entries of a listed account and one of an account the inventory does not list.
    fn org_inventory() -> Inventory {
        let mut inv = inventory("available", 0, json!([]));
        let mut second = inv.regions[0].clone();
        second.region = "us-east-1".into();
        let mut other = inv.regions[0].clone();
        other.account_id = "222222222222".into();
        inv.regions.push(second);
        inv.regions.push(other);
        inv.accounts = serde_json::from_value(json!([{
            "id": "111111111111", "name": "web-prod", "scanned": true,
            "ou_path": [{"id": "ou-ab12-11111111", "name": "Workloads"},
                        {"id": "ou-ab12-22222222", "name": "Prod"}],
            "tags": {"env": "prod"}
        }]))
        .unwrap();
        inv
    }

    #[test]
    fn rules_and_templates_see_the_account_of_each_resource() {
        let set = compile(ACCOUNT_RULE);
        let inv = org_inventory();
        let f = crate::rules::eval::evaluate(&set, &inv, &EvalOptions::default());
        let got: Vec<(Status, &str)> = f.iter().map(|f| (f.status, f.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (
                    Status::Pass,
                    "111111111111 web-prod Workloads/Prod prod ou-ab12-11111111"
                ),
                (
                    Status::Pass,
                    "111111111111 web-prod Workloads/Prod prod ou-ab12-11111111"
                ),
                // Not in `accounts`: the id alone, the rest empty.
                (Status::Fail, "222222222222 [] [] eu-west-1"),
            ]
        );
        // A single-account scan: the account is known by its id.
        let single = inventory("available", 0, json!([]));
        let f = crate::rules::eval::evaluate(&set, &single, &EvalOptions::default());
        assert_eq!(f[0].message, "111111111111 [] [] eu-west-1");
    }

    #[test]
    fn each_account_is_built_once_per_scan() {
        let inv = org_inventory();
        let head = inv.head();
        let set = compile(ACCOUNT_RULE);
        let ev = Evaluator::new(&set, &EvalOptions::default(), &head);
        assert_eq!(
            ev.accounts.len(),
            2,
            "one per account, not per region entry"
        );
        assert!(std::ptr::eq(
            ev.account_of(0).unwrap(),
            ev.account_of(1).unwrap()
        ));
        assert_eq!(ev.account_of(2).unwrap().json["id"], "222222222222");
        assert_eq!(
            ev.account_of(0).unwrap().json,
            json!({"id": "111111111111", "name": "web-prod",
                   "ou_path": [{"id": "ou-ab12-11111111", "name": "Workloads"},
                               {"id": "ou-ab12-22222222", "name": "Prod"}],
                   "ou_names": ["Workloads", "Prod"], "tags": {"env": "prod"}})
        );
        assert_eq!(
            crate::rules::cel_values::val_to_json(ev.account_of(0).unwrap().cel.as_ref()),
            ev.account_of(0).unwrap().json,
            "CEL and templates see the same account"
        );
    }
}
