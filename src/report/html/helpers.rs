//! The Handlebars helpers of the page template.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, handlebars_helper,
};
use serde_json::Value;

/// A helper that writes a fixed, already safe text without escaping:
/// `{{report_json}}` (the document as JSON safe inside `<script type="application/json">`) and
/// `{{csp_nonce}}` (the nonce every `<script>` and `<style>` of the page must carry).
pub(super) struct Verbatim(pub(super) String);

impl HelperDef for Verbatim {
    fn call<'reg: 'rc, 'rc>(
        &self,
        _: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        out.write(&self.0)?;
        Ok(())
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// Sum of the numbers in an object (`{"fail": 2, "pass": 3}` → 5).
fn total(v: &Value) -> f64 {
    v.as_object()
        .map(|o| o.values().map(num).sum())
        .unwrap_or(0.0)
}

/// The statuses in the order bars are stacked.
const STACK: [&str; 5] = ["fail", "error", "suppressed", "skipped", "pass"];

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

handlebars_helper!(eq_helper: |a: Json, b: Json| a == b);
handlebars_helper!(add_helper: |a: Json, b: Json| num(a) + num(b));
handlebars_helper!(mul_helper: |a: Json, b: Json| num(a) * num(b));
handlebars_helper!(len_helper: |v: Json| match v {
    Value::Array(a) => a.len(),
    Value::Object(o) => o.len(),
    Value::String(s) => s.chars().count(),
    _ => 0,
});
handlebars_helper!(count_helper: |*args| {
    let mut cur: Option<&Value> = args.first().copied();
    for key in args.iter().skip(1) {
        cur = cur.and_then(|c| c.get(key.as_str().unwrap_or("")));
    }
    cur.and_then(Value::as_u64).unwrap_or(0)
});
handlebars_helper!(total_helper: |v: Json| total(v).round() as u64);
handlebars_helper!(max_total_helper: |v: Json| v
    .as_object()
    .map(|o| o.values().map(total).fold(0.0, f64::max))
    .unwrap_or(0.0));
handlebars_helper!(join_helper: |v: Json, sep: str| v
    .as_array()
    .map(|a| a
        .iter()
        .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
        .collect::<Vec<_>>()
        .join(sep))
    .unwrap_or_default());
// Left edge of a status segment in a stacked bar: counts before `status`, scaled to `width`;
// a name outside the stack (`"end"`) gives the right end of the whole bar.
handlebars_helper!(seg_x_helper: |counts: Json, status: str, max: Json, width: Json| {
    let max = num(max).max(1.0);
    let before: f64 = STACK
        .iter()
        .take_while(|s| **s != status)
        .map(|s| counts.get(*s).map(num).unwrap_or(0.0))
        .sum();
    round1(before * num(width) / max)
});
// Width of a status segment in a stacked bar.
handlebars_helper!(seg_w_helper: |counts: Json, status: str, max: Json, width: Json| {
    let max = num(max).max(1.0);
    round1(counts.get(status).map(num).unwrap_or(0.0) * num(width) / max)
});
/// Left edge of the bars in the per-region chart, and width of the whole chart: wide enough for
/// the longest region name and the longest "F fail / T" label at a conservative 8.5 px per
/// character of the chart's 12 px font, so that no label is cut at the chart's edge whatever its
/// digits. (The page script also widens the chart if a label still overflows.)
const CHART_CHAR_PX: f64 = 8.5;
/// The width of the bars at their longest.
const CHART_BARS: f64 = 560.0;

fn chart_left(by_region: &Value) -> f64 {
    let longest = by_region
        .as_object()
        .map(|o| o.keys().map(|k| k.chars().count()).max().unwrap_or(0))
        .unwrap_or(0);
    (longest as f64 * CHART_CHAR_PX + 20.0).max(160.0).ceil()
}

/// The "F fail / T" label of a region's counts, as the chart writes it.
fn chart_count_label(counts: &Value) -> String {
    format!(
        "{} fail / {}",
        counts.get("fail").and_then(Value::as_u64).unwrap_or(0),
        total(counts).round() as u64
    )
}

// Left edge of the bars in the per-region chart (region names end 10 px before it).
handlebars_helper!(chart_left_helper: |by_region: Json| chart_left(by_region));
// Width of the per-region chart.
handlebars_helper!(chart_width_helper: |by_region: Json| {
    let longest = by_region
        .as_object()
        .map(|o| o.values().map(|c| chart_count_label(c).chars().count()).max().unwrap_or(0))
        .unwrap_or(0);
    (chart_left(by_region) + CHART_BARS + 6.0 + longest as f64 * CHART_CHAR_PX + 12.0).max(820.0).ceil()
});
// Any result with this status?
handlebars_helper!(has_status_helper: |results: Json, status: str| results
    .as_array()
    .is_some_and(|a| a.iter().any(|r| r.get("status").and_then(Value::as_str) == Some(status))));

/// The entry of `scan.account_details` for an account id, if the report has one.
fn account_entry<'v>(details: &'v Value, id: &str) -> Option<&'v Value> {
    details
        .as_array()?
        .iter()
        .find(|a| a.get("id").and_then(Value::as_str) == Some(id))
}

/// An OU path (`[{id, name}, …]`) as `Workloads / Prod`; `(root)` when empty.
fn ou_path_label(path: &Value) -> String {
    let names: Vec<std::borrow::Cow<'_, str>> = path
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| {
                    crate::inventory::ou_name_in_path(
                        u.get("name").and_then(Value::as_str).unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "(root)".to_string()
    } else {
        names.join(" / ")
    }
}

// The name of an account from `scan.account_details` (empty when unknown).
handlebars_helper!(account_name_helper: |details: Json, id: str| account_entry(details, id)
    .and_then(|a| a.get("name"))
    .and_then(Value::as_str)
    .unwrap_or("")
    .to_string());
// The OU path of an account from `scan.account_details` (empty when unknown).
handlebars_helper!(account_ou_helper: |details: Json, id: str| account_entry(details, id)
    .map(|a| ou_path_label(a.get("ou_path").unwrap_or(&Value::Null)))
    .unwrap_or_default());
handlebars_helper!(ou_path_helper: |path: Json| ou_path_label(path));
// Every OU on the path of an account of `scan.account_details`, once: `[{id, label}]` sorted by
// label, the label being the OU's path from the root (`Workloads / Prod`).
handlebars_helper!(org_units_helper: |details: Json| {
    let mut units: std::collections::BTreeMap<String, String> = Default::default();
    for a in details.as_array().map(Vec::as_slice).unwrap_or_default() {
        let path = a.get("ou_path").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (i, u) in path.iter().enumerate() {
            if let Some(id) = u.get("id").and_then(Value::as_str) {
                units.entry(id.to_string()).or_insert_with(|| ou_path_label(&Value::Array(path[..=i].to_vec())));
            }
        }
    }
    let mut list: Vec<(String, String)> = units.into_iter().collect();
    list.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Value::Array(list.into_iter().map(|(id, label)| serde_json::json!({"id": id, "label": label})).collect())
});
// The number of scan errors of an account.
handlebars_helper!(errors_of_helper: |errors: Json, id: str| errors
    .as_array()
    .map(|a| a.iter().filter(|e| e.get("account_id").and_then(Value::as_str) == Some(id)).count())
    .unwrap_or(0));
// The accounts of `scan.account_details` that were not scanned.
handlebars_helper!(not_scanned_helper: |details: Json| Value::Array(details
    .as_array()
    .map(|a| a.iter().filter(|x| x.get("scanned") == Some(&Value::Bool(false))).cloned().collect())
    .unwrap_or_default()));

pub(super) fn register_helpers(r: &mut Handlebars<'static>) {
    r.register_helper("account_name", Box::new(account_name_helper));
    r.register_helper("account_ou", Box::new(account_ou_helper));
    r.register_helper("ou_path", Box::new(ou_path_helper));
    r.register_helper("org_units", Box::new(org_units_helper));
    r.register_helper("errors_of", Box::new(errors_of_helper));
    r.register_helper("not_scanned", Box::new(not_scanned_helper));
    // Placeholders until render() registers the values of the document being rendered.
    r.register_helper("report_json", Box::new(Verbatim(String::new())));
    r.register_helper("csp_nonce", Box::new(Verbatim(String::new())));
    r.register_helper("eq", Box::new(eq_helper));
    r.register_helper("add", Box::new(add_helper));
    r.register_helper("mul", Box::new(mul_helper));
    r.register_helper("len", Box::new(len_helper));
    r.register_helper("count", Box::new(count_helper));
    r.register_helper("total", Box::new(total_helper));
    r.register_helper("max_total", Box::new(max_total_helper));
    r.register_helper("join", Box::new(join_helper));
    r.register_helper("seg_x", Box::new(seg_x_helper));
    r.register_helper("seg_w", Box::new(seg_w_helper));
    r.register_helper("has_status", Box::new(has_status_helper));
    r.register_helper("chart_left", Box::new(chart_left_helper));
    r.register_helper("chart_width", Box::new(chart_width_helper));
}
