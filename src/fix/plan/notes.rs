//! What the plan line of a new flow log adds: the flow logs kept next to it, and the settings
//! that do not apply to it.

use crate::fix::settings::FixSettings;
use crate::inventory::{FlowLog, TransitGateway};
use crate::term::escape;

pub(super) fn describe_existing(logs: &[FlowLog]) -> Option<String> {
    if logs.is_empty() {
        return None;
    }
    let list = logs
        .iter()
        .map(|f| format!("{} ({})", escape(&f.id), escape(&f.traffic_type)))
        .collect::<Vec<_>>()
        .join(", ");
    let kind = if logs.iter().all(|f| f.traffic_type == "REJECT") {
        "REJECT-only flow log"
    } else {
        "existing flow log"
    };
    Some(format!(
        "adds an ALL log next to its {kind}{} {list}, which {} kept unchanged",
        if logs.len() > 1 { "s" } else { "" },
        if logs.len() > 1 { "are" } else { "is" }
    ))
}

/// The note of a new transit gateway flow log: the attachment-level logs it leaves alone, and
/// the VPC flow-log settings that do not apply to it.
pub(super) fn tgw_note(tgw: &TransitGateway, s: &FixSettings) -> Option<String> {
    let mut parts = Vec::new();
    if !tgw.attachment_flow_logs.is_empty() {
        parts.push(format!(
            "its {} attachment-level flow log(s) are kept unchanged",
            tgw.attachment_flow_logs.len()
        ));
    }
    if s.log_format.is_some() {
        parts.push(
            "--fix-log-format is not used: a transit gateway flow log has fields of its own, and gets AWS's default format"
                .to_string(),
        );
    }
    // 60 is also what the rules choose when the flag is not given: only another value was asked for.
    if let Some(v) = s.max_aggregation_interval.filter(|v| *v != 60) {
        parts.push(format!(
            "--fix-max-aggregation-interval {v} is not used: a transit gateway flow log always aggregates over 60 seconds"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
