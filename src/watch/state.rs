//! What `watch` holds between events: the current results of every resource it covers, and
//! which resources each flow log, log group, bucket and delivery stream serves, so that an
//! event on a destination re-checks the resources that deliver there.

use super::event::{Event, Impact};
use crate::findings::{Finding, Status};
use crate::inventory::{DestinationType, FlowLog, Inventory};
use crate::kinds::ResourceKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An account and a region.
pub type Place = (String, String);

/// A resource: where, what kind, which id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    pub account: String,
    pub region: String,
    pub kind: ResourceKind,
    pub id: String,
}

/// What to re-check in one account and region, and the events that asked for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceCheck {
    /// The resources to re-check, with the events that named each.
    pub resources: BTreeMap<(ResourceKind, String), BTreeSet<String>>,
    /// Events that could not be pinned to resources: the whole account-region is re-checked.
    pub whole: BTreeSet<String>,
}

impl PlaceCheck {
    /// The events behind a change of `kind` `id`.
    pub fn events_for(&self, kind: ResourceKind, id: &str) -> Vec<String> {
        let mut e: BTreeSet<String> = self.whole.clone();
        if let Some(ids) = self.resources.get(&(kind, id.to_string())) {
            e.extend(ids.iter().cloned());
        }
        e.into_iter().collect()
    }
}

/// A verdict that changed.
#[derive(Debug, Clone)]
pub struct Change {
    /// `new` (a result that was not there), `changed` (another status), `gone` (its resource
    /// or check is no longer there; `result` is the last one seen).
    pub change: &'static str,
    pub result: Finding,
    /// The status before, for `changed` and `gone`.
    pub was: Option<Status>,
    /// The CloudTrail event ids that caused it.
    pub events: Vec<String>,
}

/// The watcher's knowledge.
#[derive(Debug, Default)]
pub struct State {
    results: BTreeMap<ResourceKey, Vec<Finding>>,
    flow_logs: HashMap<(String, String, String), ResourceKey>,
    log_groups: HashMap<(String, String, String), BTreeSet<ResourceKey>>,
    buckets: HashMap<String, BTreeSet<ResourceKey>>,
    streams: HashMap<(String, String, String), BTreeSet<ResourceKey>>,
    /// The account-regions whose destinations are known (read from an inventory). A baseline
    /// report says nothing of destinations: an event on one there re-checks the region whole.
    indexed: BTreeSet<Place>,
}

fn key_of(f: &Finding) -> Option<ResourceKey> {
    Some(ResourceKey {
        account: f.resource.account_id.clone(),
        region: f.resource.region.clone(),
        kind: ResourceKind::parse(&f.resource.kind)?,
        id: f.resource.id.clone(),
    })
}

impl State {
    /// The number of resources with results.
    pub fn resources(&self) -> usize {
        self.results.len()
    }

    /// Take `results` as the current ones of their resources (a start-up scan or a baseline
    /// report).
    pub fn seed(&mut self, results: impl IntoIterator<Item = Finding>) {
        for f in results {
            if let Some(k) = key_of(&f) {
                self.results.entry(k).or_default().push(f);
            }
        }
    }

    /// Learn which destinations the resources of `inv` deliver to (replacing what was known of
    /// those resources).
    pub fn index(&mut self, inv: &Inventory) {
        for r in &inv.regions {
            self.indexed
                .insert((r.account_id.clone(), r.region.clone()));
            for v in &r.vpcs {
                let key = ResourceKey {
                    account: r.account_id.clone(),
                    region: r.region.clone(),
                    kind: ResourceKind::Vpc,
                    id: v.id.clone(),
                };
                let logs = v
                    .flow_logs
                    .iter()
                    .chain(v.subnets.iter().flat_map(|s| s.flow_logs.iter()));
                for l in logs {
                    self.index_log(&key, l);
                }
            }
            for t in &r.transit_gateways {
                let key = ResourceKey {
                    account: r.account_id.clone(),
                    region: r.region.clone(),
                    kind: ResourceKind::TransitGateway,
                    id: t.id.clone(),
                };
                for l in t.flow_logs.iter().chain(t.attachment_flow_logs.iter()) {
                    self.index_log(&key, l);
                }
            }
        }
    }

    fn index_log(&mut self, key: &ResourceKey, l: &FlowLog) {
        let (a, r) = (key.account.clone(), key.region.clone());
        self.flow_logs
            .insert((a.clone(), r.clone(), l.id.clone()), key.clone());
        match l.destination_type {
            DestinationType::CloudWatchLogs => {
                if let Some(name) = &l.log_group_name {
                    self.log_groups
                        .entry((a, r, name.clone()))
                        .or_default()
                        .insert(key.clone());
                }
            }
            DestinationType::S3 => {
                if let Some(bucket) = l
                    .destination_arn
                    .as_deref()
                    .and_then(|arn| arn.split(":::").nth(1))
                    .and_then(|rest| rest.split('/').next())
                    .filter(|b| !b.is_empty())
                {
                    self.buckets
                        .entry(bucket.to_string())
                        .or_default()
                        .insert(key.clone());
                }
            }
            DestinationType::KinesisDataFirehose => {
                // arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME
                if let Some(arn) = l.destination_arn.as_deref() {
                    let parts: Vec<&str> = arn.splitn(6, ':').collect();
                    if let [_, _, _, region, account, res] = parts[..]
                        && let Some(name) = res.strip_prefix("deliverystream/")
                    {
                        self.streams
                            .entry((account.to_string(), region.to_string(), name.to_string()))
                            .or_default()
                            .insert(key.clone());
                    }
                }
            }
        }
    }

    /// Forget the destinations `key` delivers to (before it is indexed again).
    fn unindex(&mut self, key: &ResourceKey) {
        self.flow_logs.retain(|_, k| k != key);
        for set in self.log_groups.values_mut() {
            set.remove(key);
        }
        for set in self.buckets.values_mut() {
            set.remove(key);
        }
        for set in self.streams.values_mut() {
            set.remove(key);
        }
    }

    /// What `events` ask to re-check, by account and region. An event on a destination maps to
    /// the resources that deliver there; one that names nothing flowaudit knows re-checks its
    /// account and region whole. Failed calls change nothing and ask for nothing.
    pub fn plan(&self, events: &[Event]) -> BTreeMap<Place, PlaceCheck> {
        let mut out: BTreeMap<Place, PlaceCheck> = BTreeMap::new();
        for e in events.iter().filter(|e| !e.failed) {
            let place = (e.account.clone(), e.region.clone());
            let mut targets: Vec<ResourceKey> = Vec::new();
            let mut pinned = !e.impacts.is_empty();
            let destinations_known = self.indexed.contains(&place);
            for i in &e.impacts {
                if !destinations_known
                    && matches!(
                        i,
                        Impact::LogGroup(_) | Impact::Bucket(_) | Impact::Stream(_)
                    )
                {
                    pinned = false;
                }
                match i {
                    Impact::Resource(kind, id) => targets.push(ResourceKey {
                        account: e.account.clone(),
                        region: e.region.clone(),
                        kind: *kind,
                        id: id.clone(),
                    }),
                    Impact::FlowLog(id) => {
                        match self
                            .flow_logs
                            .get(&(e.account.clone(), e.region.clone(), id.clone()))
                        {
                            Some(k) => targets.push(k.clone()),
                            // A flow log flowaudit has not seen (created elsewhere): its
                            // resource is named by the event itself, or the region is read.
                            None => {
                                if !e.impacts.iter().any(|x| matches!(x, Impact::Resource(..))) {
                                    pinned = false;
                                }
                            }
                        }
                    }
                    Impact::LogGroup(name) => {
                        let k = (e.account.clone(), e.region.clone(), name.clone());
                        targets.extend(self.log_groups.get(&k).into_iter().flatten().cloned());
                    }
                    Impact::Bucket(name) => {
                        targets.extend(self.buckets.get(name).into_iter().flatten().cloned());
                    }
                    Impact::Stream(name) => {
                        let k = (e.account.clone(), e.region.clone(), name.clone());
                        targets.extend(self.streams.get(&k).into_iter().flatten().cloned());
                    }
                }
            }
            if !pinned {
                out.entry(place).or_default().whole.insert(e.id.clone());
                continue;
            }
            for t in targets {
                out.entry((t.account.clone(), t.region.clone()))
                    .or_default()
                    .resources
                    .entry((t.kind, t.id.clone()))
                    .or_default()
                    .insert(e.id.clone());
            }
        }
        out
    }

    /// Take the results of a re-check of `check` in `place` (`inv` is what it read): every
    /// verdict that changed, with the events behind it.
    pub fn apply(
        &mut self,
        place: &Place,
        check: &PlaceCheck,
        inv: &Inventory,
        results: Vec<Finding>,
    ) -> Vec<Change> {
        let checked: Vec<ResourceKey> = if check.whole.is_empty() {
            check
                .resources
                .keys()
                .map(|(kind, id)| ResourceKey {
                    account: place.0.clone(),
                    region: place.1.clone(),
                    kind: *kind,
                    id: id.clone(),
                })
                .collect()
        } else {
            // Every resource known there, and every one the re-check found.
            let mut keys: BTreeSet<ResourceKey> = self
                .results
                .keys()
                .filter(|k| k.account == place.0 && k.region == place.1)
                .cloned()
                .collect();
            keys.extend(results.iter().filter_map(key_of));
            keys.into_iter().collect()
        };
        let mut fresh: BTreeMap<ResourceKey, Vec<Finding>> = BTreeMap::new();
        for f in results {
            if let Some(k) = key_of(&f) {
                fresh.entry(k).or_default().push(f);
            }
        }
        let mut changes = Vec::new();
        for key in checked {
            let events = check.events_for(key.kind, &key.id);
            let old = self.results.remove(&key).unwrap_or_default();
            let new = fresh.remove(&key).unwrap_or_default();
            let id = |f: &Finding| (f.rule_id.clone(), f.check_id.clone());
            let old_by: BTreeMap<_, &Finding> = old.iter().map(|f| (id(f), f)).collect();
            let new_by: BTreeMap<_, &Finding> = new.iter().map(|f| (id(f), f)).collect();
            for (k, f) in &new_by {
                match old_by.get(k) {
                    None => changes.push(Change {
                        change: "new",
                        result: (*f).clone(),
                        was: None,
                        events: events.clone(),
                    }),
                    Some(o) if o.status != f.status => changes.push(Change {
                        change: "changed",
                        result: (*f).clone(),
                        was: Some(o.status),
                        events: events.clone(),
                    }),
                    Some(_) => {}
                }
            }
            for (k, o) in &old_by {
                if !new_by.contains_key(k) {
                    changes.push(Change {
                        change: "gone",
                        result: (*o).clone(),
                        was: Some(o.status),
                        events: events.clone(),
                    });
                }
            }
            self.unindex(&key);
            if !new.is_empty() {
                self.results.insert(key, new);
            }
        }
        self.index(inv);
        changes
    }
}

#[cfg(test)]
mod tests;
