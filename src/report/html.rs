//! The HTML format: one self-contained file, rendered with Handlebars from `templates/`.
//!
//! The templates are embedded in the binary; `--template-dir DIR` replaces any of them by a file of
//! the same name. The page embeds the JSON report document once, as script-safe JSON, copied from
//! the document's text ([`DocumentText`], written once while a scan produces its results), and
//! the client-side results table builds its rows from it with `textContent`; so the HTML and the
//! JSON cannot disagree, and no result is held in memory for the page. The template data is that
//! document without its results ([`PageData`]); Handlebars HTML-escapes every value.
//! A Content-Security-Policy with a per-document nonce forbids every network request and any script
//! or style the template did not write itself.

use super::Reporter;
use super::escape::copy_json_for_script;
use super::json::document_text::DocumentText;
use super::v1::baseline::BaselineSection;
use super::v1::{
    Document, FixOutcome, RuleMeta, ScanSection, Summary, SuppressionSection, ToolInfo,
};
use crate::error::Error;
use crate::findings::{Finding, Status};
use crate::term::{Escaped, escape};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, handlebars_helper,
};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The main page template.
pub const PAGE_TEMPLATE: &str = "report.html.hbs";
/// The stylesheet, included in the page as the partial `style`.
pub const STYLE_TEMPLATE: &str = "report.css";
/// The script, included in the page as the partial `script`.
pub const SCRIPT_TEMPLATE: &str = "report.js";

/// The templates shipped in the binary: (file name, partial name, text).
const EMBEDDED: [(&str, &str, &str); 3] = [
    (
        PAGE_TEMPLATE,
        "page",
        include_str!("../../templates/report.html.hbs"),
    ),
    (
        STYLE_TEMPLATE,
        "style",
        include_str!("../../templates/report.css"),
    ),
    (
        SCRIPT_TEMPLATE,
        "script",
        include_str!("../../templates/report.js"),
    ),
];

/// Writes the self-contained HTML report.
pub struct HtmlReporter {
    registry: Handlebars<'static>,
    /// Where the templates came from, for error messages.
    origin: String,
}

impl HtmlReporter {
    /// Load the embedded templates, each replaced by `DIR/<name>` when `template_dir` has it.
    /// Errors name the file, line and column.
    pub fn new(template_dir: Option<&Path>) -> Result<HtmlReporter, Error> {
        let mut registry = Handlebars::new();
        registry.set_prevent_indent(true);
        register_helpers(&mut registry);
        let mut overridden = 0;
        if let Some(dir) = template_dir
            && !dir.is_dir()
        {
            return Err(Error::input(format!(
                "--template-dir {}: not a directory\n  fix: pass a directory holding any of {PAGE_TEMPLATE}, {STYLE_TEMPLATE}, {SCRIPT_TEMPLATE}",
                Escaped(dir.display())
            )));
        }
        for (file, name, text) in EMBEDDED {
            let custom: Option<PathBuf> =
                template_dir.map(|d| d.join(file)).filter(|p| p.is_file());
            let (origin, source) = match &custom {
                Some(p) => {
                    overridden += 1;
                    let t = std::fs::read_to_string(p).map_err(|e| {
                        Error::input(format!(
                            "cannot read template {}: {}",
                            Escaped(p.display()),
                            Escaped(e)
                        ))
                    })?;
                    (p.display().to_string(), t)
                }
                None => (format!("templates/{file} (built in)"), text.to_string()),
            };
            registry
                .register_template_string(name, &source)
                .map_err(|e| {
                    Error::input(format!(
                        "{}: invalid Handlebars template: {}{}\n  fix: correct the template syntax (see templates/{file} in the flowaudit sources for the built-in version)",
                        escape(&origin),
                        Escaped(e.reason()),
                        match e.pos() {
                            Some((l, c)) => format!(" at line {l}, column {c}"),
                            None => String::new(),
                        }
                    ))
                })?;
        }
        if let Some(dir) = template_dir
            && overridden == 0
        {
            return Err(Error::input(format!(
                "--template-dir {}: holds none of {PAGE_TEMPLATE}, {STYLE_TEMPLATE}, {SCRIPT_TEMPLATE}\n  fix: copy the files to change from templates/ in the flowaudit sources into that directory",
                Escaped(dir.display())
            )));
        }
        let origin = match template_dir {
            Some(d) => format!("templates in {}", Escaped(d.display())),
            None => "built-in templates".to_string(),
        };
        Ok(HtmlReporter { registry, origin })
    }
}

impl Reporter for HtmlReporter {
    fn format(&self) -> super::Format {
        super::Format::Html
    }
    /// The page's own tables show the suppressed results; every other result reaches the page
    /// through the embedded document.
    fn shows(&self, status: Status) -> bool {
        status == Status::Suppressed
    }
    fn embeds_document(&self) -> bool {
        true
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.render_to(doc, &mut out)?;
        Ok(out)
    }
    fn render_to(&self, doc: &Document, out: &mut dyn Write) -> Result<(), Error> {
        let mut text = DocumentText::of(doc)?;
        self.render_embedding(doc, &mut text, out)
    }
    fn render_embedding(
        &self,
        doc: &Document,
        text: &mut DocumentText,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let nonce = hex::encode(&text.sha256()[..16]);
        // Where the page embeds the document: no value can contain it, because Handlebars escapes
        // `<` in every value, and no template can guess it.
        let marker = format!("<flowaudit-report-json {nonce}>");
        // The document-specific helpers are registered on a copy of the registry.
        let mut registry = self.registry.clone();
        registry.register_helper("report_json", Box::new(Verbatim(marker.clone())));
        registry.register_helper("csp_nonce", Box::new(Verbatim(nonce)));
        let page = registry.render("page", &PageData::of(doc)).map_err(|e| {
            Error::input(format!(
                "rendering the HTML report with the {}: {}",
                self.origin,
                Escaped(e)
            ))
        })?;
        let failed = |e: std::io::Error| {
            Error::fatal(format!("cannot write the html report: {}", Escaped(e)))
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let mut parts = page.split(&marker);
        if let Some(first) = parts.next() {
            w.write_all(first.as_bytes()).map_err(failed)?;
        }
        for part in parts {
            let mut json = text.reader().map_err(failed)?;
            copy_json_for_script(&mut json, &mut w).map_err(failed)?;
            w.write_all(part.as_bytes()).map_err(failed)?;
        }
        w.flush().map_err(failed)
    }
}

/// The data the page template renders: the report document without its `results`, which only
/// the embedded document carries in full, plus their number and the suppressed ones (for the
/// page's table of suppressed results). A page is thus rendered without holding every result.
#[derive(Serialize)]
struct PageData<'a> {
    schema: &'a str,
    tool: &'a ToolInfo,
    scan: &'a ScanSection,
    rules: &'a [RuleMeta],
    summary: &'a Summary,
    suppressions: &'a SuppressionSection,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<&'a Vec<FixOutcome>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineSection>,
    /// The number of results (the summary counts every result; `doc.results` may hold fewer).
    result_count: usize,
    /// The suppressed results, in report order.
    suppressed_results: Vec<&'a Finding>,
}

impl<'a> PageData<'a> {
    fn of(doc: &'a Document) -> PageData<'a> {
        let Document {
            schema,
            tool,
            scan,
            rules,
            results,
            summary,
            suppressions,
            fixes,
            baseline,
        } = doc;
        PageData {
            schema,
            tool,
            scan,
            rules,
            summary,
            suppressions,
            fixes: fixes.as_ref(),
            baseline: baseline.as_ref(),
            result_count: summary.total,
            suppressed_results: results
                .iter()
                .filter(|f| f.status == Status::Suppressed)
                .collect(),
        }
    }
}

/// A helper that writes a fixed, already safe text without escaping:
/// `{{report_json}}` (the document as JSON safe inside `<script type="application/json">`) and
/// `{{csp_nonce}}` (the nonce every `<script>` and `<style>` of the page must carry).
struct Verbatim(String);

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

fn register_helpers(r: &mut Handlebars<'static>) {
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
