//! Every string of a saved report stays data in the text and Markdown formats, and org-sourced
//! values (account names, OU names, emails, tags) stay data in every format.
//!
//! The field list is not written down here: it is the report document itself, walked together
//! with its schema (`docs/report-v1.schema.json`), so that a field added to the document is
//! covered without a change to this test.

use crate::support::browser::{assert_clean_run, browse};
use crate::support::cmd::fa;
use crate::support::harness::repo_path;
use crate::support::hostile::corpus;
use crate::support::json::each;
use crate::support::report_fixture::{ACCOUNT_A, ACCOUNT_B, demo_document};
use flowaudit::findings::Status;
use flowaudit::inventory::{Account, OrgUnit};
use flowaudit::report::v1::{FixOutcome, Outcome, SuppressionEntryRef};
use flowaudit::term::is_escaped;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// ESC with a CSI sequence, an OSC window title ended by BEL, a lone BEL, the right-to-left
/// override, a carriage return and a line separator: every way a value could drive a terminal or
/// reorder what is shown.
const HOSTILE: &str = "h\x1b[31m\x1b]0;x\x07\x07\u{202e}\r\u{2028}z";

/// The characters that must never reach the output raw: what the terminal escaper escapes, but
/// the line breaks the formats write themselves.
fn raw_controls(out: &str) -> Vec<(usize, char)> {
    out.char_indices()
        .filter(|(_, c)| is_escaped(*c) && *c != '\n')
        .collect()
}

/// The demo report with every optional section filled in: account details (scanned and not,
/// with OU path, email, tags, role), an unmatched suppression and the fixes of `--fix`.
fn full_document() -> Value {
    let mut doc = demo_document();
    let detail = |id: &str, scanned: bool| Account {
        id: id.into(),
        name: Some("name".into()),
        email: Some("root@example.com".into()),
        status: Some(if scanned { "ACTIVE" } else { "SUSPENDED" }.into()),
        ou_path: vec![OrgUnit {
            id: "ou-ab12-cd34ef56".into(),
            name: "Workloads".into(),
        }],
        tags: [("env".to_string(), "prod".to_string())].into(),
        role_arn: Some(format!("arn:aws:iam::{id}:role/Audit")),
        scanned,
        skip_reason: (!scanned).then(|| "suspended".to_string()),
    };
    doc.scan.account_details = vec![
        detail(ACCOUNT_A, true),
        detail(ACCOUNT_B, true),
        detail("333333333333", false),
    ];
    doc.suppressions.unmatched = vec![SuppressionEntryRef {
        index: 1,
        rule_id: "VPC-001".into(),
        check_id: Some("flow-log-exists".into()),
        resource: "vpc-0eeee".into(),
        reason: "reason".into(),
        expires: "2099-01-01".into(),
    }];
    doc.fixes = Some(vec![
        FixOutcome {
            account_id: ACCOUNT_A.into(),
            region: "us-east-1".into(),
            resource_id: "vpc-0a1b2c3d4e5f60001".into(),
            action: "create-flow-log".into(),
            description: "add a flow log".into(),
            outcome: Outcome::Applied,
            error: None,
            created: vec!["fl-0123456789abcdef0".into()],
            verified: [("flow-log-exists".to_string(), "pass".to_string())].into(),
        },
        FixOutcome {
            account_id: ACCOUNT_B.into(),
            region: "eu-west-1".into(),
            resource_id: String::new(),
            action: "create-log-group".into(),
            description: "create a log group".into(),
            outcome: Outcome::Failed,
            error: Some("AccessDenied".into()),
            created: Vec::new(),
            verified: BTreeMap::new(),
        },
    ]);
    // The error results of a check that could not be evaluated, and a check id on every entry.
    assert!(doc.results.iter().any(|f| f.status == Status::Error));
    serde_json::to_value(&doc).unwrap()
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_path("docs/report-v1.schema.json")).unwrap())
        .unwrap()
}

/// `node` with its `$ref` followed, and of a `oneOf`/`anyOf` the branch that fits `value`.
fn resolve<'s>(root: &'s Value, mut node: &'s Value, value: &Value) -> &'s Value {
    loop {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let name = r.strip_prefix("#/$defs/").expect("local reference");
            node = &root["$defs"][name];
            continue;
        }
        let branches = node
            .get("oneOf")
            .or_else(|| node.get("anyOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            let fits = |b: &Value| {
                let b = resolve(root, b, value);
                let kind = match value {
                    Value::Null => "null",
                    Value::Bool(_) => "boolean",
                    Value::Number(_) => "integer",
                    Value::String(_) => "string",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                match b.get("type") {
                    Some(Value::String(t)) => t == kind,
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
                    // An enum or a constant: a string.
                    _ => kind == "string",
                }
            };
            node = branches
                .iter()
                .find(|b| fits(b))
                .unwrap_or_else(|| panic!("no branch of {node} fits {value}"));
            continue;
        }
        return node;
    }
}

/// How the schema constrains a string (or an object key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Any text: must be escaped wherever it is printed.
    Free,
    /// One of a closed list (`enum`): must be refused when it is anything else.
    Enum,
    /// A constant or a pattern: may be refused, or must be escaped.
    Shaped,
}

fn kind_of(node: &Value) -> Kind {
    if node.get("enum").is_some() {
        Kind::Enum
    } else if node.get("const").is_some() || node.get("pattern").is_some() {
        Kind::Shaped
    } else {
        Kind::Free
    }
}

/// Walk `v` with its schema `node`: record every string (values, and the keys of maps) by its
/// path with array indices left out (`results[].resource.name`; a map's keys and values under
/// `PATH{}`, e.g. `rules[].compliance{}`) and the kind its schema gives it; put `value` and a
/// number in every string whose path is in `paths` (a map's keys become `value` and a number: they stay unique).
fn walk(
    root: &Value,
    node: &Value,
    v: &mut Value,
    path: &str,
    set: (&BTreeSet<String>, &str),
    found: &mut BTreeMap<String, Kind>,
) {
    let node = resolve(root, node, &*v);
    let (paths, value) = set;
    match v {
        Value::String(s) => {
            found.insert(path.to_string(), kind_of(node));
            if paths.contains(path) {
                // Numbered, so that results stay distinct (a repeated result is refused).
                static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
                let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *s = format!("{value}{n}");
            }
        }
        Value::Array(items) => {
            let item = node.get("items").unwrap_or(&Value::Null);
            for x in items {
                walk(root, item, x, &format!("{path}[]"), set, found);
            }
        }
        Value::Object(map) => {
            let props = node.get("properties");
            let extra = node.get("additionalProperties").filter(|a| a.is_object());
            let keys = format!("{path}{{}}");
            if extra.is_some() && !map.is_empty() {
                let kind = node
                    .get("propertyNames")
                    .map(|p| kind_of(resolve(root, p, &json!(""))))
                    .unwrap_or(Kind::Free);
                found.insert(keys.clone(), kind);
            }
            for (i, (k, mut x)) in std::mem::take(map).into_iter().enumerate() {
                let (child, at, key) = match props.and_then(|p| p.get(&k)) {
                    Some(c) if path.is_empty() => (c, k.clone(), k),
                    Some(c) => (c, format!("{path}.{k}"), k),
                    None => {
                        let key = if paths.contains(&keys) {
                            format!("{value}{i}")
                        } else {
                            k
                        };
                        (extra.unwrap_or(&Value::Null), keys.clone(), key)
                    }
                };
                walk(root, child, &mut x, &at, set, found);
                map.insert(key, x);
            }
        }
        _ => {}
    }
}

/// Every string field of `doc` and its kind.
fn string_fields(root: &Value, doc: &Value) -> BTreeMap<String, Kind> {
    let mut found = BTreeMap::new();
    walk(
        root,
        root,
        &mut doc.clone(),
        "",
        (&BTreeSet::new(), ""),
        &mut found,
    );
    found
}

/// `doc` with `value` in every string whose path is in `paths`.
fn set_fields(root: &Value, doc: &Value, paths: &BTreeSet<String>, value: &str) -> Value {
    let mut v = doc.clone();
    walk(root, root, &mut v, "", (paths, value), &mut BTreeMap::new());
    v
}

/// The sections `flowaudit report` reads past: it counts the summary again, and a comparison
/// with a baseline is made again with `--baseline`.
const READ_PAST: [&str; 2] = ["summary", "baseline"];

fn report(dir: &Path, name: &str, doc: &Value, format: &str) -> (i32, String, String) {
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let o = fa().arg("report").arg(&file).args(["-f", format]).run();
    (o.code(), o.stdout(), o.stderr())
}

#[test]
fn every_string_of_a_report_is_escaped_in_text_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let root = schema();
    let doc = full_document();
    let fields = string_fields(&root, &doc);
    let with = |k: Kind| -> BTreeSet<String> {
        fields
            .iter()
            .filter(|(_, v)| **v == k)
            .map(|(p, _)| p.clone())
            .collect()
    };
    let free = with(Kind::Free);
    // The walk found the document's data: org-sourced values, messages, fixes, map keys.
    for p in [
        "scan.account_details[].name",
        "scan.account_details[].email",
        "scan.account_details[].ou_path[].name",
        "scan.account_details[].tags{}",
        "results[].message",
        "results[].resource.tags{}",
        "rules[].compliance{}",
        "fixes[].error",
        "fixes[].verified{}",
        "suppressions.unmatched[].reason",
    ] {
        assert!(free.contains(p), "{p} not found among {free:?}");
    }
    assert!(with(Kind::Enum).contains("fixes[].outcome"), "{fields:?}");

    // Every free field at once: read, and printed escaped.
    let hostile = set_fields(&root, &doc, &free, HOSTILE);
    for format in ["text", "markdown"] {
        let (c, out, err) = report(dir.path(), "free.json", &hostile, format);
        // 3: the demo report is partial.
        assert!(matches!(c, 0 | 1 | 3), "{format}: exit {c}: {err}");
        assert_eq!(raw_controls(&out), [], "{format}: {out:?}");
        assert_eq!(raw_controls(&err), [], "{format}: {err:?}");
        if format == "text" {
            assert!(
                out.contains("\\u{1b}]0;x\\u{7}"),
                "the values are shown: {out}"
            );
            assert!(out.contains("\\u{202e}"), "{out}");
        }
    }

    // Each shaped field (a constant, an account id, a date): refused with a clean error, or
    // printed escaped.
    for p in with(Kind::Shaped) {
        let one = set_fields(&root, &doc, &BTreeSet::from([p.clone()]), HOSTILE);
        for format in ["text", "markdown"] {
            let (c, out, err) = report(dir.path(), "shaped.json", &one, format);
            assert!(matches!(c, 0..=3), "{p} {format}: exit {c}: {err}");
            assert_eq!(raw_controls(&out), [], "{p} {format}: {out:?}");
            assert_eq!(raw_controls(&err), [], "{p} {format}: {err:?}");
        }
    }

    // Each enum field is read as its enum: any other value is refused, naming the position.
    for p in with(Kind::Enum) {
        let one = set_fields(&root, &doc, &BTreeSet::from([p.clone()]), HOSTILE);
        if READ_PAST.iter().any(|s| p.starts_with(s)) {
            continue;
        }
        let (c, out, err) = report(dir.path(), "enum.json", &one, "text");
        assert_eq!(c, 2, "{p}: a value outside the enum was accepted: {out}");
        assert!(err.contains("enum.json:"), "{p}: {err}");
        assert!(err.contains("unknown variant"), "{p}: {err}");
        assert_eq!(raw_controls(&err), [], "{p}: {err:?}");
    }
}

#[test]
fn a_fix_outcome_outside_the_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = full_document();
    doc["fixes"][1]["outcome"] = json!("\x1b]0;pwned\x07");
    let (c, out, err) = report(dir.path(), "outcome.json", &doc, "text");
    assert_eq!(c, 2, "{out}");
    assert!(err.contains("outcome.json:"), "{err}");
    assert!(
        err.contains("applied"),
        "the error names the values allowed: {err}"
    );
    assert_eq!(raw_controls(&err), [], "{err:?}");
}

/// The org inventory with hostile values in every org-sourced field: each account's name, email,
/// OU names and tags take values of the hostile corpus in turn, after the terminal's own.
fn hostile_org_inventory() -> (Value, Vec<String>) {
    let mut inv: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("tests/fixtures/org-inventory.json")).unwrap(),
    )
    .unwrap();
    let mut values: Vec<String> = vec![HOSTILE.to_string()];
    values.extend(corpus().into_iter().map(|(_, v)| v));
    let mut next = values.iter().cycle();
    let mut ou_names: BTreeMap<String, String> = BTreeMap::new();
    for a in inv["accounts"].as_array_mut().unwrap() {
        a["name"] = json!(next.next().unwrap());
        a["email"] = json!(next.next().unwrap());
        a["tags"] = json!({ (next.next().unwrap().clone()): next.next().unwrap() });
        for u in a["ou_path"].as_array_mut().unwrap() {
            let id = u["id"].as_str().unwrap().to_string();
            let name = ou_names
                .entry(id)
                .or_insert_with(|| next.next().unwrap().clone());
            u["name"] = json!(name);
        }
        if a["skip_reason"].is_string() {
            a["skip_reason"] = json!(HOSTILE);
        }
    }
    (inv, values)
}

#[test]
fn org_values_stay_data_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, _) = hostile_org_inventory();
    let inv_file = dir.path().join("inventory.json");
    std::fs::write(&inv_file, serde_json::to_vec_pretty(&inv).unwrap()).unwrap();
    let out_dir = dir.path().join("out");
    let o = fa()
        .args(["scan", "--from-inventory"])
        .arg(&inv_file)
        .args([
            "-f", "text", "-f", "markdown", "-f", "sarif", "-f", "html", "-f", "json",
        ])
        .arg("--output-dir")
        .arg(&out_dir)
        .run();
    let stderr = o.stderr();
    assert!(matches!(o.code(), 0 | 1 | 3), "exit {}: {stderr}", o.code());
    assert_eq!(raw_controls(&stderr), [], "{stderr:?}");
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();

    // The JSON keeps the values as they are: it is the data.
    let json: Value = serde_json::from_str(&read("flowaudit.json")).unwrap();
    let names: Vec<&str> = each(&json["scan"]["account_details"])
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&HOSTILE), "{names:?}");

    let text = read("flowaudit.txt");
    assert_eq!(raw_controls(&text), [], "{text:?}");
    assert!(
        text.contains("\\u{1b}]0;x\\u{7}"),
        "account names are shown: {text}"
    );
    let md = read("flowaudit.md");
    assert_eq!(raw_controls(&md), [], "{md:?}");

    // SARIF: every text meant for people (message, description and help texts, justifications)
    // shows the controls as visible escapes; the Markdown forms as spaces.
    let sarif: Value = serde_json::from_str(&read("flowaudit.sarif")).unwrap();
    let mut texts = Vec::new();
    sarif_texts(&sarif, &mut texts);
    assert!(!texts.is_empty());
    for t in &texts {
        assert_eq!(raw_controls(t), [], "{t:?}");
    }

    // HTML: the page as shown, after its scripts ran.
    let html = out_dir.join("flowaudit.html");
    let steps = vec![
        "document.documentElement.innerText".to_string(),
        "Array.from(document.querySelectorAll('option')).map(o => o.textContent).join('\\n')"
            .to_string(),
        "document.title".to_string(),
    ];
    let r = browse(&html, &steps, None);
    assert_clean_run(&r);
    let shown: Vec<String> = each(&r["values"])
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    // (innerText separates table cells with tabs.)
    for s in &shown {
        let raw: Vec<_> = raw_controls(s)
            .into_iter()
            .filter(|(_, c)| *c != '\t')
            .collect();
        assert_eq!(raw, [], "{s:?}");
    }
    assert!(
        shown[0].contains("\\u{1b}]0;x\\u{7}"),
        "the page shows the escapes: {}",
        shown[0]
    );
    assert!(shown[0].contains("\\u{202e}"), "{}", shown[0]);
}

/// Every string of a SARIF log meant to be read as text: `text` of messages and multiformat
/// strings, and suppression justifications.
fn sarif_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("text" | "justification", Value::String(s)) => out.push(s.clone()),
                    _ => sarif_texts(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| sarif_texts(x, out)),
        _ => {}
    }
}

#[test]
fn sarif_text_shows_control_characters_of_names_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = full_document();
    doc["results"][0]["resource"]["name"] = json!("web\u{202e}gnp.exe");
    doc["results"][0]["message"] = json!("bad\x1b[2J\x07 log");
    let file = dir.path().join("r.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = dir.path().join("out.sarif");
    let o = fa()
        .arg("report")
        .arg(&file)
        .args(["-f", "sarif", "--output"])
        .arg(&out)
        .run();
    assert!(matches!(o.code(), 0 | 1 | 3), "{}", o.stderr());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let results = each(&sarif["runs"])
        .flat_map(|r| r["results"].as_array().unwrap())
        .collect::<Vec<_>>();
    let hit = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("gnp.exe"))
        .expect("the result of the renamed VPC");
    let text = hit["message"]["text"].as_str().unwrap();
    assert!(text.contains("web\\u{202e}gnp.exe"), "{text}");
    assert!(text.contains("bad\\u{1b}[2J\\u{7} log"), "{text}");
    let loc = hit["locations"][0]["message"]["text"].as_str().unwrap();
    assert!(loc.contains("web\\u{202e}gnp.exe"), "{loc}");
    // The data properties keep the value as it is.
    assert_eq!(hit["properties"]["resourceName"], "web\u{202e}gnp.exe");
}
