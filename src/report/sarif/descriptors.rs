//! The SARIF `reportingDescriptor`s: one per rule check, with its help text (plain and
//! Markdown), tags, severity and the level GitHub shows.

use crate::findings::{CheckFix, Finding, Severity};
use crate::report::escape::markdown_inline;
use crate::report::v1::{CheckMeta, Document, RuleMeta};
use crate::term::{escape, escape_lines};
use serde_json::json;
use serde_sarif::sarif;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// GitHub rejects a rule with more than 20 tags and shows 10: `security` and compliance ids, the
/// newest version of each framework first, up to this many in all. Every compliance id is in the
/// rule's `properties.compliance`.
pub const MAX_RULE_TAGS: usize = 10;

/// GitHub's limit on rule descriptions, in characters.
const MAX_DESCRIPTION: usize = 1024;

/// The `security-severity` score GitHub uses to rank alerts (CVSS-like, 0.0 to 10.0).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The SARIF level of a failing check of this severity.
pub(super) fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        sarif::ResultLevel::Note => "note",
        sarif::ResultLevel::None => "none",
    }
}

/// The reporting-descriptor id of a rule check: `VPC-001/traffic-type-all`.
pub fn descriptor_id(rule_id: &str, check_id: &str) -> String {
    format!("{rule_id}/{check_id}")
}

/// The descriptors of one run, and the index of each descriptor id.
pub(super) struct Descriptors {
    pub(super) list: Vec<sarif::ReportingDescriptor>,
    pub(super) index: BTreeMap<String, usize>,
}

pub(super) fn descriptors(doc: &Document, account_results: &[&Finding]) -> Descriptors {
    let mut d = Descriptors {
        list: Vec::new(),
        index: BTreeMap::new(),
    };
    for rule in &doc.rules {
        for check in &rule.checks {
            let id = descriptor_id(&rule.id, &check.id);
            if d.index.contains_key(&id) {
                continue;
            }
            d.index.insert(id, d.list.len());
            d.list.push(descriptor(doc, rule, check));
        }
    }
    // A result whose rule metadata is missing still gets a (minimal) descriptor.
    for f in account_results {
        let id = descriptor_id(&f.rule_id, &f.check_id);
        if d.index.contains_key(&id) {
            continue;
        }
        let rule = RuleMeta {
            id: f.rule_id.clone(),
            title: f.rule_id.clone(),
            description: f.message.clone(),
            severity: f.severity,
            resource: f.resource.kind.clone(),
            checks: Vec::new(),
            compliance: (*f.compliance).clone(),
            references: Vec::new(),
            source: String::new(),
        };
        let check = CheckMeta {
            id: f.check_id.clone(),
            title: f.check_id.clone(),
            remediation: None,
            fix: CheckFix::manual(),
        };
        d.index.insert(id, d.list.len());
        d.list.push(descriptor(doc, &rule, &check));
    }
    d
}

fn compliance_tags(compliance: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    compliance
        .iter()
        .flat_map(|(framework, ids)| ids.iter().map(move |id| format!("{framework}:{id}")))
        .collect()
}

/// A compliance framework name split into its family and version: `CIS AWS Foundations Benchmark
/// v6.0.0` is (`CIS AWS Foundations Benchmark`, [6, 0, 0]). A name whose last word is not a
/// version (`v1.2`, `1.2`, `2`) is a family of its own, without version.
pub(super) fn framework_version(framework: &str) -> (&str, Vec<u64>) {
    if let Some((family, last)) = framework.trim_end().rsplit_once(char::is_whitespace) {
        let digits = last.strip_prefix(['v', 'V']).unwrap_or(last);
        let parts: Option<Vec<u64>> = digits.split('.').map(|p| p.parse().ok()).collect();
        if let Some(parts) = parts.filter(|_| !digits.is_empty()) {
            return (family.trim_end(), parts);
        }
    }
    (framework, Vec::new())
}

/// The compliance ids in the order they become tags, so that a limit on tags keeps the newest
/// versions: each framework family lists its ids newest version first (versions compare by
/// number: v10 after v9), and the families take turns, one id each, in name order.
pub(super) fn compliance_tags_newest_first(
    compliance: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    // family -> [(version, framework name, ids)]
    type Versions<'a> = Vec<(Vec<u64>, &'a String, &'a Vec<String>)>;
    let mut families: BTreeMap<&str, Versions> = BTreeMap::new();
    for (framework, ids) in compliance {
        let (family, version) = framework_version(framework);
        families
            .entry(family)
            .or_default()
            .push((version, framework, ids));
    }
    let queues: Vec<Vec<String>> = families
        .into_values()
        .map(|mut versions| {
            // Newest first; equal versions (different spellings) by name, for a stable order.
            versions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            versions
                .into_iter()
                .flat_map(|(_, framework, ids)| {
                    ids.iter().map(move |id| format!("{framework}:{id}"))
                })
                .collect()
        })
        .collect();
    let longest = queues.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|turn| queues.iter().filter_map(move |q| q.get(turn).cloned()))
        .collect()
}

fn descriptor(doc: &Document, rule: &RuleMeta, check: &CheckMeta) -> sarif::ReportingDescriptor {
    let fix = check.remediation.clone().unwrap_or_else(|| {
        format!(
            "Change the resource so that this check passes: {}.",
            check.title
        )
    });
    let per_resource = "Each result carries Terraform, CloudFormation and AWS CLI snippets filled in \
        for its own resource (result property `remediation`, and the flowaudit HTML report).";
    let compliance: Vec<String> = compliance_tags(&rule.compliance);

    let how = check.fix.how();
    // Plain text for any viewer: every value from a rule file or a report is shown with the
    // terminal's visible escapes (control characters, separators, bidi controls), each on the
    // line it belongs to.
    let mut text = format!(
        "{}\n\nCheck: {}\nSeverity: {}\n\nRemediation: {}\n{}\nFix: {}.",
        escape_lines(&rule.description),
        escape(&check.title),
        rule.severity.as_str(),
        escape_lines(&fix),
        per_resource,
        escape(&how)
    );
    if !compliance.is_empty() {
        let shown: Vec<Cow<str>> = compliance.iter().map(|c| escape(c)).collect();
        text.push_str(&format!("\n\nCompliance: {}", shown.join(", ")));
    }
    if !rule.references.is_empty() {
        let shown: Vec<Cow<str>> = rule.references.iter().map(|r| escape(r)).collect();
        text.push_str(&format!("\n\nReferences:\n{}", shown.join("\n")));
    }

    let mut md = format!(
        "{}\n\n**Check:** {}  \n**Severity:** {}\n\n## Remediation\n\n{}\n\n{}\n\n**Fix:** {}.",
        markdown_inline(&rule.description),
        markdown_inline(&check.title),
        rule.severity.as_str(),
        markdown_inline(&fix),
        markdown_inline(per_resource),
        markdown_inline(&how)
    );
    if !compliance.is_empty() {
        md.push_str("\n\n## Compliance\n");
        for c in &compliance {
            md.push_str(&format!("\n- {}", markdown_inline(c)));
        }
    }
    if !rule.references.is_empty() {
        md.push_str("\n\n## References\n");
        for r in &rule.references {
            md.push_str(&format!("\n- {}", markdown_inline(r)));
        }
    }

    let help_uri = rule
        .references
        .iter()
        .find(|r| r.starts_with("https://") || r.starts_with("http://"))
        .cloned()
        .unwrap_or_else(|| doc.tool.information_uri.clone());

    let mut tags = vec!["security".to_string()];
    tags.extend(
        compliance_tags_newest_first(&rule.compliance)
            .into_iter()
            .take(MAX_RULE_TAGS - 1),
    );
    let mut extra = BTreeMap::new();
    extra.insert("compliance".to_string(), json!(rule.compliance));
    extra.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    extra.insert("precision".to_string(), json!("very-high"));
    extra.insert(
        "problem.severity".to_string(),
        json!(level_name(rule.severity)),
    );
    extra.insert("flowaudit-rule".to_string(), json!(rule.id));
    extra.insert("flowaudit-check".to_string(), json!(check.id));
    extra.insert(
        "flowaudit-fix".to_string(),
        json!(check.fix.applicability.as_str()),
    );

    sarif::ReportingDescriptor::builder()
        .id(descriptor_id(&rule.id, &check.id))
        .name(pascal_name(&rule.id, &check.id))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(clip(&format!(
                    "{}: {}",
                    escape(&rule.title),
                    escape(&check.title)
                )))
                .markdown(format!(
                    "{}: {}",
                    markdown_inline(&rule.title),
                    markdown_inline(&check.title)
                ))
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(clip(&escape_lines(&rule.description)))
                .markdown(clip(&markdown_inline(&rule.description)))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(text)
                .markdown(md)
                .build(),
        )
        .help_uri(help_uri)
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level_name(rule.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build()
}

/// At most [`MAX_DESCRIPTION`] characters, cut at a character boundary with an ellipsis.
fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DESCRIPTION {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_DESCRIPTION - 1).collect();
    // Never leave a dangling Markdown escape.
    if out.ends_with('\\') {
        out.pop();
    }
    out.push('…');
    out
}

/// A readable PascalCase name for a descriptor, e.g. `Vpc001TrafficTypeAll`.
fn pascal_name(rule_id: &str, check_id: &str) -> String {
    let mut out = String::new();
    for word in format!("{rule_id} {check_id}").split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}
