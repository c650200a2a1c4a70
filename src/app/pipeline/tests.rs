use super::*;
use crate::report::Reporter;
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn demo_scan_rules() -> ScanRules {
    ScanRules {
        rules: RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}")),
        options: EvalOptions::default(),
        fail_on: Severity::Low,
        suppressions: Some(
            Suppressions::load(&example("demo-suppressions.toml"))
                .unwrap_or_else(|e| panic!("{e}")),
        ),
    }
}

/// Evaluate the demo inventory streamed from its file with `needs`; returns the JSON
/// written while streaming, the kept results and the summary.
fn streamed(scan_rules: &ScanRules, needs: Needs) -> (String, Vec<Finding>, Summary) {
    streamed_from(scan_rules, &example("demo-inventory.json"), needs)
}

/// [`streamed`] of another inventory file.
fn streamed_from(
    scan_rules: &ScanRules,
    path: &Path,
    needs: Needs,
) -> (String, Vec<Finding>, Summary) {
    let file = InventoryFile::read(path).unwrap_or_else(|e| panic!("{e}"));
    let head = file.head().unwrap_or_else(|e| panic!("{e}"));
    let start = Document::start(&head, scan_rules.metas());
    let mut kept = Vec::new();
    let mut json = Vec::new();
    let produce = Box::new(|emit: &mut dyn FnMut(&Finding)| {
        scan_rules.evaluate(
            &head,
            &InventorySource::File(&file),
            &start.summary,
            needs,
            &mut kept,
            emit,
        )
    });
    let (summary, _) = JsonReporter
        .render_streamed(&start, produce, &mut json)
        .unwrap_or_else(|e| panic!("{e}"));
    (String::from_utf8(json).unwrap(), kept, summary)
}

#[test]
fn the_streamed_json_report_is_the_report_built_in_memory() {
    let scan_rules = demo_scan_rules();
    let inv = crate::inventory::io::load(&example("demo-inventory.json")).unwrap();
    let doc = scan_rules.run(&inv).unwrap();
    let mut whole = Vec::new();
    JsonReporter.render_to(&doc, &mut whole).unwrap();
    let (json, kept, summary) = streamed(
        &scan_rules,
        Needs {
            kept: StatusSet::default(),
            ..Needs::default()
        },
    );
    assert_eq!(json, String::from_utf8(whole).unwrap());
    assert!(kept.is_empty());
    assert_eq!(summary, doc.summary);
    // The demo has every status, several regions, and suppressions in force.
    for st in Status::ALL {
        assert!(summary.by_status[st.as_str()] > 0, "{st:?}");
    }
    assert!(doc.scan.regions.len() > 1);
}

#[test]
fn the_html_page_from_the_streamed_text_is_the_page_built_in_memory() {
    use crate::report::Reporter;
    use crate::report::html::HtmlReporter;
    use crate::report::json::DocumentText;
    use std::io::Write;
    let scan_rules = demo_scan_rules();
    let inv = crate::inventory::io::load(&example("demo-inventory.json")).unwrap();
    let doc = scan_rules.run(&inv).unwrap();
    let html = HtmlReporter::new(None).unwrap();
    let whole = html.render(&doc).unwrap();
    // A scan writing only HTML keeps the suppressed results and streams the rest to the text.
    let (json, kept, summary) = streamed(
        &scan_rules,
        Needs {
            kept: [Status::Suppressed].into_iter().collect(),
            ..Needs::default()
        },
    );
    assert!(!kept.is_empty() && kept.iter().all(|f| f.status == Status::Suppressed));
    assert!(kept.len() < doc.results.len());
    let dir = tempfile::tempdir().unwrap();
    let mut text = DocumentText::in_dir(dir.path()).unwrap();
    text.write_all(json.as_bytes()).unwrap();
    let partial = Document {
        results: kept,
        summary,
        ..doc.clone()
    };
    let mut page = Vec::new();
    html.render_embedding(&partial, &mut text, &mut page)
        .unwrap();
    assert_eq!(
        String::from_utf8(page).unwrap(),
        String::from_utf8(whole).unwrap()
    );
}

#[test]
fn the_streamed_json_report_of_an_organization_is_the_report_built_in_memory() {
    let scan_rules = demo_scan_rules();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-inventory.json");
    let inv = crate::inventory::io::load(&path).unwrap();
    let doc = scan_rules.run(&inv).unwrap();
    let mut whole = Vec::new();
    JsonReporter.render_to(&doc, &mut whole).unwrap();
    let (json, _, summary) = streamed_from(
        &scan_rules,
        &path,
        Needs {
            kept: StatusSet::default(),
            ..Needs::default()
        },
    );
    assert_eq!(json, String::from_utf8(whole).unwrap());
    assert_eq!(summary, doc.summary);
    // Both carry the account details and the counts by account.
    assert_eq!(doc.scan.account_details, inv.accounts);
    assert!(json.contains("\"account_details\": ["));
    assert!(json.contains("\"by_account\": {"));
    let scanned = inv.accounts.iter().filter(|a| a.scanned).count();
    assert!(
        scanned < inv.accounts.len(),
        "the fixture has an account not scanned"
    );
    assert_eq!(summary.by_account.len(), scanned);
    assert_eq!(
        summary
            .by_account
            .values()
            .map(|c| c.values().sum::<usize>())
            .sum::<usize>(),
        summary.total
    );
}

#[test]
fn only_the_kept_statuses_stay_in_memory_and_the_summary_counts_all() {
    let scan_rules = demo_scan_rules();
    let inv = crate::inventory::io::load(&example("demo-inventory.json")).unwrap();
    let doc = scan_rules.run(&inv).unwrap();
    let shown: StatusSet = [Status::Fail, Status::Error].into_iter().collect();
    let needs = Needs {
        kept: shown,
        messages: shown,
        remediation: false,
    };
    let (json, kept, summary) = streamed(&scan_rules, needs);
    assert_eq!(summary, doc.summary);
    let key = |f: &Finding| {
        (
            f.rule_id.clone(),
            f.check_id.clone(),
            f.resource.arn.clone(),
            f.status,
            f.message.clone(),
        )
    };
    let expected: Vec<_> = doc
        .results
        .iter()
        .filter(|f| needs.kept.contains(f.status))
        .map(key)
        .collect();
    let got: Vec<_> = kept.iter().map(key).collect();
    assert_eq!(got, expected);
    assert!(kept.iter().all(|f| !f.message.is_empty()));
    // Results only counted carry no message: theirs was never rendered.
    let all: serde_json::Value = serde_json::from_str(&json).unwrap();
    let results = all["results"].as_array().unwrap();
    assert_eq!(results.len(), summary.total);
    for r in results {
        // A suppressed result is a failure, whose message was rendered.
        let shown = matches!(r["status"].as_str(), Some("fail" | "error" | "suppressed"));
        assert_eq!(
            r["message"].as_str().is_some_and(|m| !m.is_empty()),
            shown,
            "{r}"
        );
    }
    // Without a format that shows them, the snippets are not rendered.
    assert!(kept.iter().all(|f| f.remediation.is_none()));
    assert!(
        doc.results
            .iter()
            .any(|f| f.status == Status::Fail && f.remediation.is_some())
    );
}

#[test]
fn the_streamed_json_report_with_a_baseline_is_the_document_with_its_section() {
    // The baseline: the demo without suppressions, so the suppressed failures of the run
    // are newly suppressed.
    let plain = ScanRules {
        suppressions: None,
        ..demo_scan_rules()
    };
    let inv = crate::inventory::io::load(&example("demo-inventory.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let mut bytes = Vec::new();
    JsonReporter
        .render_to(&plain.run(&inv).unwrap(), &mut bytes)
        .unwrap();
    std::fs::write(&old, bytes).unwrap();
    let args = OutputArgs {
        formats: Vec::new(),
        output: None,
        output_dir: None,
        template_dir: None,
        sarif_category: "flowaudit".into(),
        baseline: Some(old),
        allow_disjoint: false,
    };

    let scan_rules = demo_scan_rules();
    let path = example("demo-inventory.json");
    let file = InventoryFile::read(&path).unwrap();
    let head = file.head().unwrap();
    let start = Document::start(&head, scan_rules.metas());
    let baseline = BaselineRun::open(&args).unwrap();
    let mut kept = Vec::new();
    let mut json = Vec::new();
    let produce = Box::new(|emit: &mut dyn FnMut(&Finding)| {
        let tail = scan_rules.evaluate(
            &head,
            &InventorySource::File(&file),
            &start.summary,
            Needs::default(),
            &mut kept,
            &mut |f| {
                BaselineRun::see(&baseline, f);
                emit(f)
            },
        )?;
        BaselineRun::finish(&baseline, &start.scan);
        Ok(tail)
    });
    let b = baseline.as_ref().unwrap();
    let (summary, section) = JsonReporter
        .render_streamed_with_baseline(&start, produce, &b.section, &mut json)
        .unwrap();
    let mut doc = start.clone();
    doc.results = kept;
    doc.summary = summary;
    doc.suppressions = section;
    doc.baseline = baseline.and_then(|b| b.section.into_inner());
    let counts = &doc.baseline.as_ref().unwrap().counts;
    assert!(
        counts.suppressed > 0 && counts.still_failing > 0,
        "{counts:?}"
    );
    assert_eq!(counts.new + counts.resolved + counts.gone, 0, "{counts:?}");
    let mut whole = Vec::new();
    JsonReporter.render_to(&doc, &mut whole).unwrap();
    assert_eq!(
        String::from_utf8(json).unwrap(),
        String::from_utf8(whole).unwrap()
    );
}

#[test]
fn exit_status_comes_from_the_summary() {
    let mut scan_rules = demo_scan_rules();
    let inv = crate::inventory::io::load(&example("demo-inventory.json")).unwrap();
    let mut doc = scan_rules.run(&inv).unwrap();
    doc.scan.partial = false;
    doc.results.clear();
    // The demo's unread region gives error results: the scan is incomplete without them too.
    assert!(doc.summary.count(Status::Error) > 0);
    assert_eq!(scan_rules.exit_status(&doc), ExitStatus::Partial);
    doc.summary.by_status.insert("error".into(), 0);
    assert_eq!(scan_rules.exit_status(&doc), ExitStatus::Findings);
    // No built-in rule is critical: nothing fails at that level.
    scan_rules.fail_on = Severity::Critical;
    assert_eq!(doc.summary.failures(Severity::Critical), 0);
    assert_eq!(scan_rules.exit_status(&doc), ExitStatus::Clean);
    doc.scan.partial = true;
    assert_eq!(scan_rules.exit_status(&doc), ExitStatus::Partial);
}
