//! The data the HTML page carries: what a person reads, not every result.
//!
//! Failures, errors and suppressed results are complete (message, compliance, fix snippets,
//! suppression); passing and skipped results are only counted, in the summary, and marked in
//! their resource's status cells: one character per check ([`MARKS`]). Each resource is written
//! once, and its results refer to it by number; messages, ARNs and fix snippets that differ only
//! by the resource's ids are stored once as templates ([`super::snippet`]).
//!
//! The data is read from the report document's text, one result at a time, so a page is built
//! without holding every result. It stays under a limit of bytes ([`data_limit`]); what does not
//! fit is left out and counted ([`LeftOut`]), and the page says so.

use super::snippet::Templates;
use crate::findings::{Finding, Status};
use crate::report::v1::Document;
use serde::Serialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::io::Read;

/// The largest data a page carries by default: 45 MiB, so that with its markup the page stays
/// under 50 MB.
pub const DEFAULT_DATA_LIMIT: usize = 45 << 20;

/// The environment variable that sets another limit, in bytes (for tests of the notice).
pub const DATA_LIMIT_ENV: &str = "FLOWAUDIT_HTML_DATA_LIMIT";

/// The limit of a page's data: [`DATA_LIMIT_ENV`] when set to a number, else the default.
pub fn data_limit() -> usize {
    std::env::var(DATA_LIMIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_DATA_LIMIT)
}

/// The character of each status in a resource's status cells; `.` is a check without a result.
pub const MARKS: [(Status, u8); 5] = [
    (Status::Fail, b'F'),
    (Status::Error, b'E'),
    (Status::Suppressed, b'S'),
    (Status::Skipped, b'K'),
    (Status::Pass, b'P'),
];

const NONE: u8 = b'.';

fn mark(s: Status) -> u8 {
    MARKS
        .iter()
        .find(|(st, _)| *st == s)
        .map_or(NONE, |(_, m)| *m)
}

/// Lower is more urgent: the order of [`MARKS`].
fn urgency(m: u8) -> usize {
    MARKS
        .iter()
        .position(|(_, x)| *x == m)
        .unwrap_or(MARKS.len())
}

/// What a page leaves out to stay under its limit.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct LeftOut {
    /// The limit of the page's data, in bytes.
    pub limit: usize,
    /// Failing, error and suppressed results left out.
    pub fail: usize,
    pub error: usize,
    pub suppressed: usize,
    /// Resources whose status cells (their passing and skipped results) are left out.
    pub resources: usize,
}

impl LeftOut {
    /// Whether anything is left out.
    pub fn any(&self) -> bool {
        self.fail + self.error + self.suppressed + self.resources > 0
    }
}

/// Distinct strings, numbered in the order first seen.
#[derive(Default)]
struct Interner {
    index: HashMap<String, usize>,
    list: Vec<String>,
}

impl Interner {
    fn of(&mut self, s: &str) -> usize {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.list.len();
        self.index.insert(s.to_string(), i);
        self.list.push(s.to_string());
        i
    }
}

struct Resource {
    /// `[account, region, type, id, name, network interfaces, default, tags, arn template`: the
    /// array of the resource without its closing cells.
    head: String,
    cells: Vec<u8>,
    /// Whether a kept result refers to it.
    referenced: bool,
}

impl Resource {
    fn bytes(&self, checks: usize) -> usize {
        // `,"` + cells + `"]` + `,`
        self.head.len() + checks + 6
    }
}

struct Detail {
    resource: usize,
    status: Status,
    /// The rest of the result's array, after its resource number.
    rest: String,
}

/// Builds a page's data from the results, one at a time.
pub struct PageBuilder {
    limit: usize,
    checks: Interner,
    accounts: Interner,
    regions: Interner,
    types: Interner,
    compliance: Interner,
    resource_index: HashMap<String, usize>,
    resources: Vec<Resource>,
    resource_bytes: usize,
    details: Vec<Detail>,
    detail_bytes: usize,
    templates: Templates,
    left: LeftOut,
}

impl PageBuilder {
    pub fn new(limit: usize) -> PageBuilder {
        PageBuilder {
            limit,
            checks: Interner::default(),
            accounts: Interner::default(),
            regions: Interner::default(),
            types: Interner::default(),
            compliance: Interner::default(),
            resource_index: HashMap::new(),
            resources: Vec::new(),
            resource_bytes: 0,
            details: Vec::new(),
            detail_bytes: 0,
            templates: Templates::default(),
            left: LeftOut {
                limit,
                ..LeftOut::default()
            },
        }
    }

    /// The bytes taken in so far: a page's data can only be smaller. What is taken in stops near
    /// twice the limit, so memory stays in proportion to the limit, not to the results.
    fn bytes(&self) -> usize {
        self.resource_bytes + self.detail_bytes + self.templates.bytes()
    }

    /// What is taken in stops at twice the limit: enough for [`PageBuilder::finish`] to keep the
    /// failing, error and suppressed results first and leave out the other resources' cells.
    fn taken_limit(&self) -> usize {
        self.limit.saturating_mul(2)
    }

    fn leave_out(&mut self, s: Status) {
        match s {
            Status::Fail => self.left.fail += 1,
            Status::Error => self.left.error += 1,
            Status::Suppressed => self.left.suppressed += 1,
            Status::Pass | Status::Skipped => {}
        }
    }

    /// Take one result in.
    pub fn add(&mut self, f: &Finding) {
        let r = &f.resource;
        let values = [
            r.id.as_str(),
            r.account_id.as_str(),
            r.region.as_str(),
            r.name.as_deref().unwrap_or(""),
        ];
        // A resource is written once for all its results; results that name the same resource
        // differently (another ARN, name, tags) get one resource each.
        let fields = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (&r.arn, &r.name, &r.tags, r.network_interfaces, r.is_default).hash(&mut h);
            h.finish()
        };
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{fields:x}",
            r.account_id, r.region, r.kind, r.id
        );
        let res = match self.resource_index.get(&key) {
            Some(i) => *i,
            None => {
                if self.bytes() > self.taken_limit() {
                    // No room for one more resource: its results are counted only.
                    self.left.resources += 1;
                    self.resource_index.insert(key, usize::MAX);
                    self.leave_out(f.status);
                    return;
                }
                let arn = self.templates.of(&r.arn, values, None);
                let head = serde_json::json!([
                    self.accounts.of(&r.account_id),
                    self.regions.of(&r.region),
                    self.types.of(&r.kind),
                    r.id,
                    r.name,
                    r.network_interfaces,
                    r.is_default,
                    r.tags,
                    arn
                ])
                .to_string();
                let head = head[..head.len() - 1].to_string();
                let i = self.resources.len();
                self.resources.push(Resource {
                    head,
                    cells: Vec::new(),
                    referenced: false,
                });
                self.resource_bytes += self.resources[i].bytes(0);
                self.resource_index.insert(key, i);
                i
            }
        };
        if res == usize::MAX {
            self.leave_out(f.status);
            return;
        }
        let check = self.checks.of(&format!("{}\u{0}{}", f.rule_id, f.check_id));
        let cells = &mut self.resources[res].cells;
        if cells.len() <= check {
            self.resource_bytes += check + 1 - cells.len();
            cells.resize(check + 1, NONE);
        }
        let m = mark(f.status);
        if cells[check] == NONE || urgency(m) < urgency(cells[check]) {
            cells[check] = m;
        }
        if matches!(f.status, Status::Pass | Status::Skipped) {
            return;
        }
        if self.bytes() > self.taken_limit() {
            self.leave_out(f.status);
            return;
        }
        // The result's own values (words with a digit of its texts), shared by its texts.
        let mut own = Vec::new();
        let message = self.templates.of(&f.message, values, Some(&mut own));
        let compliance = self
            .compliance
            .of(&serde_json::to_string(&*f.compliance.0).unwrap_or_else(|_| "{}".into()));
        let remediation = f.remediation.as_ref().map(|rem| {
            let mut m = serde_json::Map::new();
            for (k, v) in [
                ("terraform", &rem.terraform),
                ("cloudformation", &rem.cloudformation),
                ("cli", &rem.cli),
            ] {
                if let Some(text) = v {
                    m.insert(
                        k.into(),
                        self.templates.of(text, values, Some(&mut own)).into(),
                    );
                }
            }
            m
        });
        let rest = serde_json::json!([
            check,
            f.status,
            f.severity,
            message,
            compliance,
            remediation,
            f.suppression,
            own
        ])
        .to_string();
        let rest = rest[1..].to_string();
        self.detail_bytes += rest.len() + 12;
        self.resources[res].referenced = true;
        self.details.push(Detail {
            resource: res,
            status: f.status,
            rest,
        });
    }

    /// The page's data as JSON (the document `doc` gives the rules, accounts and baseline), and
    /// what it leaves out.
    pub fn finish(mut self, doc: &Document) -> (Vec<u8>, LeftOut) {
        let nchecks = self.checks.list.len();
        let head = serde_json::json!({
            "rules": doc.rules,
            "account_details": doc.scan.account_details,
            "baseline": doc.baseline,
            "total": doc.summary.total,
            "checks": self.checks.list.iter().map(|k| k.split('\u{0}').collect::<Vec<_>>()).collect::<Vec<_>>(),
            "accounts": self.accounts.list,
            "regions": self.regions.list,
            "types": self.types.list,
            "compliance": self.compliance.list,
        })
        .to_string();
        // The data's head, its templates, and room for the keys and `left_out` around them.
        let fixed = head.len() + self.templates.bytes() + 256;
        let mut room = self.limit.saturating_sub(fixed);
        // The results first, each with its resource; then the other resources, while they fit.
        let mut keep_resource = vec![false; self.resources.len()];
        let mut kept_details = 0;
        for d in &self.details {
            let mut need = d.rest.len() + 12;
            if !keep_resource[d.resource] {
                need += self.resources[d.resource].bytes(nchecks);
            }
            if need > room {
                break;
            }
            room -= need;
            keep_resource[d.resource] = true;
            kept_details += 1;
        }
        for d in self.details.split_off(kept_details) {
            self.leave_out(d.status);
        }
        for (i, r) in self.resources.iter().enumerate() {
            if keep_resource[i] {
                continue;
            }
            let need = r.bytes(nchecks);
            if r.referenced || need > room {
                // A resource whose results were left out is left out with them.
                self.left.resources += 1;
                continue;
            }
            room -= need;
            keep_resource[i] = true;
        }
        let mut number = vec![usize::MAX; self.resources.len()];
        let mut out = Vec::with_capacity(self.limit.saturating_sub(room).min(self.limit));
        out.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
        out.extend_from_slice(b",\"resources\":[");
        let mut n = 0;
        for (i, r) in self.resources.iter().enumerate() {
            if !keep_resource[i] {
                continue;
            }
            if n > 0 {
                out.push(b',');
            }
            number[i] = n;
            n += 1;
            out.extend_from_slice(r.head.as_bytes());
            out.extend_from_slice(b",\"");
            out.extend_from_slice(&r.cells);
            out.extend(std::iter::repeat_n(NONE, nchecks - r.cells.len()));
            out.extend_from_slice(b"\"]");
        }
        out.extend_from_slice(b"],\"results\":[");
        for (k, d) in self.details.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.push(b'[');
            out.extend_from_slice(number[d.resource].to_string().as_bytes());
            out.push(b',');
            out.extend_from_slice(d.rest.as_bytes());
        }
        out.extend_from_slice(b"],\"templates\":");
        self.templates.write_json(&mut out);
        out.extend_from_slice(b",\"left_out\":");
        out.extend_from_slice(
            serde_json::to_string(&self.left)
                .unwrap_or_else(|_| "null".into())
                .as_bytes(),
        );
        out.push(b'}');
        (out, self.left)
    }
}

/// Call `each` with every result of the report document read from `input`, one at a time.
pub fn for_each_result(
    input: &mut dyn Read,
    each: &mut dyn FnMut(Finding),
) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(input);
    Top(each).deserialize(&mut de)?;
    Ok(())
}

struct Top<'a>(&'a mut dyn FnMut(Finding));
struct Results<'a>(&'a mut dyn FnMut(Finding));

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a report document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "results" {
                map.next_value_seed(Results(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Results<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Results<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the results of a report document")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(f) = seq.next_element::<Finding>()? {
            (self.0)(f);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Remediation, ResourceRef, Severity};
    use std::sync::Arc;

    fn finding(i: usize, status: Status) -> Finding {
        let id = format!("vpc-{i:08x}");
        Finding {
            rule_id: "VPC-001".into(),
            check_id: "flow-logs-enabled".into(),
            status,
            severity: Severity::High,
            resource: Arc::new(ResourceRef {
                kind: "vpc".into(),
                arn: format!("arn:aws:ec2:eu-west-1:123456789012:vpc/{id}"),
                id,
                region: "eu-west-1".into(),
                account_id: "123456789012".into(),
                name: Some(format!("name {i}")),
                tags: Default::default(),
                network_interfaces: None,
                is_default: None,
            }),
            message: format!("VPC vpc-{i:08x} has no flow log"),
            compliance: Default::default(),
            remediation: (status == Status::Fail).then(|| Remediation {
                cli: Some(format!(
                    "aws ec2 create-flow-logs --resource-ids vpc-{i:08x}"
                )),
                ..Remediation::default()
            }),
            suppression: None,
        }
    }

    fn doc() -> Document {
        serde_json::from_value(serde_json::json!({
            "schema": "flowaudit/report/v1",
            "tool": {"name": "flowaudit", "version": "0", "information_uri": "https://flowaudit.invalid/"},
            "scan": {"accounts": [], "regions": [], "started_at": "", "finished_at": "",
                     "partial": false, "errors": []},
            "rules": [], "results": [],
            "summary": {"total": 0, "by_status": {}, "by_severity": {}, "by_region": {}},
            "suppressions": {"file": null, "expired": [], "unmatched": []}
        }))
        .unwrap()
    }

    #[test]
    fn a_page_over_its_limit_keeps_the_failures_first_and_counts_what_it_leaves_out() {
        let limit = 3_000;
        let mut b = PageBuilder::new(limit);
        // Passing resources first, then failing ones: the failures are kept, the passing
        // resources' cells left out.
        for i in 0..60 {
            b.add(&finding(i, Status::Pass));
        }
        for i in 60..80 {
            b.add(&finding(i, Status::Fail));
        }
        let (data, left) = b.finish(&doc());
        assert!(data.len() <= limit, "{}", data.len());
        let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
        assert_eq!(left.fail, 0, "{left:?}");
        assert_eq!(v["results"].as_array().unwrap().len(), 20);
        assert!(left.resources > 0);
        assert_eq!(
            v["resources"].as_array().unwrap().len() + left.resources,
            80
        );
        assert_eq!(v["left_out"], serde_json::to_value(&left).unwrap());
        // One template for the 20 messages, one for the 20 snippets, one for the ARNs.
        assert_eq!(v["templates"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn failures_beyond_the_limit_are_counted_and_memory_stops_growing() {
        let mut b = PageBuilder::new(2_000);
        for i in 0..10_000 {
            b.add(&finding(i, Status::Fail));
        }
        assert!(b.bytes() < 2 * 2_000 + 1_000, "{}", b.bytes());
        let (data, left) = b.finish(&doc());
        let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
        assert!(left.fail > 9_000);
        assert_eq!(v["results"].as_array().unwrap().len() + left.fail, 10_000);
        assert!(left.any());
    }
}
