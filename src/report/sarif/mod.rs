//! The SARIF 2.1.0 format, shaped for GitHub code scanning and other SARIF consumers.
//!
//! Cloud resources have no source file, so each result points at a stable, relative artifact URI
//! `aws/<account>/<region>/<resource-id>` (line 1) and names the resource ARN as a logical location.
//! One run is written per scanned account, with `automationDetails.id` `<category>/<account>/`, so
//! that each account uploads as its own code-scanning category.
//!
//! This is the only module that uses `serde_sarif`. This file writes the log and its runs; the
//! rule descriptors, the results and the choice of what a run holds are in the files beside it.

mod descriptors;
mod results;
mod selection;
#[cfg(test)]
mod tests;

pub use crate::findings::identity::fingerprint;
pub use descriptors::{MAX_RULE_TAGS, descriptor_id, security_severity};
pub use results::{FINGERPRINT_KEY, artifact_uri};
pub use selection::{
    MAX_RESULTS_PER_RUN, MAX_RUNS_PER_FILE, Selection, account_file, account_file_name,
    run_accounts,
};

use super::Reporter;
use super::v1::Document;
use crate::error::Error;
use crate::findings::Status;
use crate::term::escape;
use descriptors::descriptors;
use results::{new_since_baseline, result};
use selection::run_results;
use serde_json::json;
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::Write as _;

/// The schema URI written into `$schema`.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The default first part of `automationDetails.id`.
pub const DEFAULT_CATEGORY: &str = "flowaudit";

/// Writes SARIF 2.1.0.
#[derive(Clone)]
pub struct SarifReporter {
    /// First part of `runs[].automationDetails.id`; the account id and a `/` are appended.
    pub category: String,
    /// Per account, how many reported results a scan left out of the document already (see
    /// [`Selection`]): counted with those the run leaves out in its notification.
    pub omitted: BTreeMap<String, usize>,
}

impl Default for SarifReporter {
    fn default() -> Self {
        SarifReporter {
            category: DEFAULT_CATEGORY.to_string(),
            omitted: BTreeMap::new(),
        }
    }
}

impl Reporter for SarifReporter {
    fn format(&self) -> super::Format {
        super::Format::Sarif
    }
    fn shows(&self, status: Status) -> bool {
        matches!(status, Status::Fail | Status::Suppressed)
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        pretty(&self.log(doc))
    }
    /// Serialized straight into `out`, each run built only when it is written: no more than one
    /// run is held in memory, and never the text.
    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let log = LazyLog {
            reporter: self,
            doc,
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let written = serde_json::to_writer_pretty(&mut w, &log)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| w.flush());
        written.map_err(|e| {
            Error::fatal(format!(
                "cannot write the sarif report: {}",
                crate::term::Escaped(e)
            ))
        })
    }
}

impl SarifReporter {
    /// The SARIF log of one account alone: the run [`Reporter::render`] writes for it, with its
    /// own `automationDetails.id` (`<category>/<account>/`).
    pub fn render_account(&self, doc: &Document, account: &str) -> Result<Vec<u8>, Error> {
        pretty(&log_of(vec![self.run(doc, account, MAX_RESULTS_PER_RUN)]))
    }

    fn log(&self, doc: &Document) -> sarif::Sarif {
        log_of(self.runs(doc).collect())
    }

    /// One run per account, each built when it is asked for.
    fn runs<'a>(&'a self, doc: &'a Document) -> impl ExactSizeIterator<Item = sarif::Run> + 'a {
        run_accounts(doc)
            .into_iter()
            .map(move |account| self.run(doc, &account, MAX_RESULTS_PER_RUN))
    }

    fn run(&self, doc: &Document, account: &str, limit: usize) -> sarif::Run {
        let before = self.omitted.get(account).copied().unwrap_or(0);
        build_run(doc, account, &self.category, limit, before)
    }
}

fn pretty(log: &sarif::Sarif) -> Result<Vec<u8>, Error> {
    let mut out = serde_json::to_vec_pretty(log).map_err(|e| Error::internal(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// Build the SARIF log of a report document.
pub fn to_sarif(doc: &Document, category: &str) -> sarif::Sarif {
    let runs = run_accounts(doc)
        .iter()
        .map(|account| build_run(doc, account, category, MAX_RESULTS_PER_RUN, 0))
        .collect::<Vec<_>>();
    log_of(runs)
}

/// The log [`SarifReporter::log`] gives, serialized with each run built as it is written.
struct LazyLog<'a> {
    reporter: &'a SarifReporter,
    doc: &'a Document,
}

impl serde::Serialize for LazyLog<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // The fields of `log_of`'s log, in the order it writes them.
        let mut st = s.serialize_struct("Sarif", 3)?;
        st.serialize_field("$schema", SARIF_SCHEMA_URI)?;
        st.serialize_field("runs", &LazyRuns(self))?;
        st.serialize_field("version", "2.1.0")?;
        st.end()
    }
}

struct LazyRuns<'s, 'a>(&'s LazyLog<'a>);

impl serde::Serialize for LazyRuns<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let runs = self.0.reporter.runs(self.0.doc);
        let mut seq = s.serialize_seq(Some(runs.len()))?;
        for run in runs {
            seq.serialize_element(&run)?;
        }
        seq.end()
    }
}

fn log_of(runs: Vec<sarif::Run>) -> sarif::Sarif {
    sarif::Sarif::builder()
        .schema(SARIF_SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build()
}

/// The run of one account: at most `limit` results, `omitted_before` more having been left out
/// of the document already (by a [`Selection`]).
fn build_run(
    doc: &Document,
    account: &str,
    category: &str,
    limit: usize,
    omitted_before: usize,
) -> sarif::Run {
    let (account_results, omitted) = run_results(doc, account, limit, omitted_before);
    let d = descriptors(doc, &account_results);
    let new_since = new_since_baseline(doc, account);
    let results: Vec<sarif::Result> = account_results
        .iter()
        .map(|f| result(f, &d, new_since.as_ref()))
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name(doc.tool.name.clone())
        .version(doc.tool.version.clone())
        .semantic_version(doc.tool.version.clone())
        .information_uri(doc.tool.information_uri.clone())
        .rules(d.list)
        .build();

    let mut notifications: Vec<sarif::Notification> = doc
        .scan
        .errors
        .iter()
        .filter(|e| account.is_empty() || e.account_id == account)
        .map(|e| {
            let region = e.region.as_deref().unwrap_or("(account-wide)");
            sarif::Notification::builder()
                .level(json!("error"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "Could not read {}:{} in {}/{}: {} {}",
                            escape(&e.service),
                            escape(&e.operation),
                            escape(&e.account_id),
                            escape(region),
                            escape(&e.code),
                            escape(&e.message)
                        ))
                        .build(),
                )
                .descriptor(
                    sarif::ReportingDescriptorReference::builder()
                        .id(format!("scan-error/{}", e.code))
                        .build(),
                )
                .build()
        })
        .collect();
    if omitted > 0 {
        notifications.push(
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "{omitted} less severe results of account {} are not in this SARIF file \
                             (code scanning accepts at most {MAX_RESULTS_PER_RUN} per run); the JSON and \
                             HTML reports have all of them.",
                            escape(account)
                        ))
                        .build(),
                )
                .descriptor(
                    sarif::ReportingDescriptorReference::builder()
                        .id("results-omitted")
                        .build(),
                )
                .build(),
        );
    }
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .start_time_utc(doc.scan.started_at.clone())
        .end_time_utc(doc.scan.finished_at.clone())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }

    let id = if account.is_empty() {
        format!("{category}/")
    } else {
        format!("{category}/{account}/")
    };
    let mut props = BTreeMap::new();
    props.insert("partial".to_string(), json!(doc.scan.partial));
    props.insert("regions".to_string(), json!(doc.scan.regions));
    props.insert("reportSchema".to_string(), json!(doc.schema));

    sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .automation_details(sarif::RunAutomationDetails::builder().id(id).build())
        .column_kind(json!("utf16CodeUnits"))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build()
}
