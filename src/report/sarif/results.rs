//! The SARIF `result` of one reported finding: its message, the resource as a location (a stable
//! artifact URI), the fingerprint, its properties and remediation, whether it is new since the
//! baseline, and its suppression.

use super::descriptors::{Descriptors, descriptor_id, level};
use crate::findings::identity::fingerprint;
use crate::findings::{Finding, Status};
use crate::report::escape::{markdown_code_block, markdown_inline};
use crate::report::v1::Document;
use crate::term::escape;
use serde_json::{Value, json};
use serde_sarif::sarif;
use std::collections::{BTreeMap, HashSet};

/// The `partialFingerprints` key of the per-resource, per-check identity hash.
pub const FINGERPRINT_KEY: &str = "flowauditResourceCheck/v1";

/// The stable artifact URI of a resource: `aws/<account>/<region>/<id>`, each part one path
/// segment (see [`uri_segment`]), so no AWS value can add, remove or climb segments.
pub fn artifact_uri(account: &str, region: &str, resource_id: &str) -> String {
    format!(
        "aws/{}/{}/{}",
        uri_segment(account),
        uri_segment(region),
        uri_segment(resource_id)
    )
}

/// One URI path segment holding `s`: every byte but the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded with upper-case hex, so reserved characters (`/`,
/// `?`, `#`, `%`, ...), controls and non-ASCII text (as its UTF-8 bytes) cannot change the URI's
/// structure. A segment made only of dots (`.`, `..`, `...`) has every dot encoded as `%2E`: URI
/// resolution removes `.` and `..` segments, and a reader that decodes before resolving must not
/// see them either. An empty value becomes `_`.
pub(super) fn uri_segment(s: &str) -> String {
    if s.is_empty() {
        return "_".to_string();
    }
    let all_dots = s.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'~')
            || (b == b'.' && !all_dots);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// With `--baseline` (the document has a `baseline` section), the fingerprints of the account's
/// results that did not fail in the baseline: a failure (or suppressed failure) is listed among
/// the section's changes with an old status that is not a failure (none, pass, skipped, error)
/// exactly when it is new (`new`, or `suppressed` from a result that did not fail); every other
/// reported result failed in the baseline too (still failing, still suppressed, newly suppressed
/// or no longer suppressed). `None` without a baseline.
pub(super) fn new_since_baseline<'a>(doc: &'a Document, account: &str) -> Option<HashSet<&'a str>> {
    let b = doc.baseline.as_ref()?;
    Some(
        b.changes
            .iter()
            .filter(|e| {
                !matches!(e.old_status, Some(Status::Fail | Status::Suppressed))
                    && e.new_status.is_some()
                    && (account.is_empty() || e.account_id == account)
            })
            .map(|e| e.fingerprint.as_str())
            .collect(),
    )
}

/// A result's SARIF `baselineState` (SARIF 2.1.0 §3.27.24) given the fingerprints of the new
/// failures ([`new_since_baseline`]): `new`, or `unchanged` for one failing in the baseline too.
fn baseline_state(fingerprint: &str, new_since: &HashSet<&str>) -> &'static str {
    if new_since.contains(fingerprint) {
        "new"
    } else {
        "unchanged"
    }
}

pub(super) fn result(
    f: &Finding,
    d: &Descriptors,
    new_since: Option<&HashSet<&str>>,
) -> sarif::Result {
    let rid = descriptor_id(&f.rule_id, &f.check_id);
    let r = &f.resource;
    let label = match &r.name {
        Some(n) if !n.is_empty() => format!("{} {} ({n})", r.kind, r.id),
        _ => format!("{} {}", r.kind, r.id),
    };
    let message = if f.message.trim().is_empty() {
        format!("{label} in {}/{} fails {rid}.", r.account_id, r.region)
    } else {
        f.message.clone()
    };
    // The plain-text forms show control characters, separators and bidi controls as the
    // terminal does (`\u{202e}`); the Markdown forms turn them into spaces.
    let text = format!(
        "{} [{}, {}/{}]",
        escape(&message),
        escape(&label),
        escape(&r.account_id),
        escape(&r.region)
    );
    let markdown = format!(
        "{} \\[{}, {}/{}\\]",
        markdown_inline(&message),
        markdown_inline(&label),
        markdown_inline(&r.account_id),
        markdown_inline(&r.region)
    );

    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(
                    sarif::ArtifactLocation::builder()
                        .uri(artifact_uri(&r.account_id, &r.region, &r.id))
                        .build(),
                )
                .region(sarif::Region::builder().start_line(1).build())
                .build(),
        )
        .logical_locations(vec![
            sarif::LogicalLocation::builder()
                .name(r.id.clone())
                .fully_qualified_name(r.arn.clone())
                .kind("resource")
                .build(),
        ])
        .message(
            sarif::Message::builder()
                .text(escape(&label).into_owned())
                .build(),
        )
        .build();

    let fingerprint = fingerprint(f);
    let state = new_since.map(|n| baseline_state(&fingerprint, n));
    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY.to_string(), fingerprint);

    let mut props = BTreeMap::new();
    props.insert("account".to_string(), json!(r.account_id));
    props.insert("region".to_string(), json!(r.region));
    props.insert("resourceType".to_string(), json!(r.kind));
    props.insert("resourceId".to_string(), json!(r.id));
    if let Some(n) = &r.name {
        props.insert("resourceName".to_string(), json!(n));
    }
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    if let Some(rem) = &f.remediation {
        props.insert(
            "remediation".to_string(),
            serde_json::to_value(rem).unwrap_or(Value::Null),
        );
        let mut md = String::new();
        for (title, lang, body) in [
            ("Terraform", "hcl", &rem.terraform),
            ("CloudFormation", "yaml", &rem.cloudformation),
            ("AWS CLI", "sh", &rem.cli),
        ] {
            if let Some(body) = body {
                md.push_str(&format!(
                    "**{title}**\n\n{}\n\n",
                    markdown_code_block(lang, body)
                ));
            }
        }
        if !md.is_empty() {
            props.insert("remediationMarkdown".to_string(), json!(md.trim_end()));
        }
    }
    props.insert("compliance".to_string(), json!(*f.compliance));

    let mut res = sarif::Result::builder()
        .rule_id(rid.clone())
        .rule_index(d.index.get(&rid).copied().unwrap_or(0) as i64)
        .level(level(f.severity))
        .kind(sarif::ResultKind::Fail)
        .message(
            sarif::Message::builder()
                .text(text)
                .markdown(markdown)
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fp)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build();
    res.baseline_state = state.map(|s| json!(s));
    if f.status == Status::Suppressed {
        let (reason, expires) = f
            .suppression
            .as_ref()
            .map(|s| (s.reason.clone(), s.expires.clone()))
            .unwrap_or_else(|| ("suppressed".to_string(), String::new()));
        let mut sp = BTreeMap::new();
        if !expires.is_empty() {
            sp.insert("expires".to_string(), json!(expires));
        }
        res.suppressions = Some(vec![
            sarif::Suppression::builder()
                .kind(json!("external"))
                .status(json!("accepted"))
                .justification(escape(&reason).into_owned())
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(sp)
                        .build(),
                )
                .build(),
        ]);
    }
    res
}
