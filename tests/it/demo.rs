//! The shipped demo inventory stays loadable as the model evolves, and covers the cases it promises.

use crate::support::cmd::fa;
use crate::support::harness::*;
use flowaudit::inventory::{DestinationType, Encryption, Existence};

#[test]
fn demo_inventory_loads_and_covers_every_case() {
    let inv = flowaudit::inventory::io::load(&repo_path("examples/demo-inventory.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(inv.regions.len() >= 3);
    let vpcs: Vec<_> = inv.vpcs().map(|(_, v)| v).collect();
    let logs = || {
        vpcs.iter().flat_map(|v| {
            v.flow_logs
                .iter()
                .chain(v.subnets.iter().flat_map(|s| s.flow_logs.iter()))
        })
    };
    assert!(vpcs.iter().any(|v| v.is_default));
    assert!(
        vpcs.iter()
            .any(|v| v.shared && v.owner_id != inv.scan.account_id)
    );
    assert!(
        vpcs.iter()
            .any(|v| v.flow_logs.is_empty() && v.subnets.iter().all(|s| s.flow_logs.is_empty()))
    );
    assert!(
        vpcs.iter()
            .any(|v| v.flow_logs.is_empty() && v.subnets.iter().any(|s| !s.flow_logs.is_empty()))
    );
    assert!(
        vpcs.iter()
            .any(|v| !v.flow_logs.is_empty()
                && v.flow_logs.iter().all(|l| l.traffic_type == "REJECT"))
    );
    assert!(
        vpcs.iter()
            .any(|v| !v.flow_logs.is_empty()
                && v.flow_logs.iter().all(|l| l.traffic_type == "ACCEPT"))
    );
    assert!(
        vpcs.iter()
            .any(|v| v.tags.values().any(|t| t.contains("<script>")))
    );
    assert!(
        vpcs.iter()
            .any(|v| v.tags.values().any(|t| t.contains("**bold**")))
    );
    let d = |f: &dyn Fn(&flowaudit::inventory::FlowLog) -> bool| logs().any(f);
    assert!(d(&|l| l.destination_type
        == DestinationType::CloudWatchLogs
        && l.destination.encryption == Encryption::None));
    assert!(d(&|l| l.destination_type
        == DestinationType::CloudWatchLogs
        && l.destination.encryption == Encryption::Kms));
    assert!(d(&|l| l.destination_type == DestinationType::S3
        && l.destination.encryption == Encryption::AwsManaged));
    assert!(d(&|l| l.destination_type
        == DestinationType::KinesisDataFirehose
        && l.destination.encryption == Encryption::Kms
        && l.destination.encryption_status.as_deref()
            == Some("ENABLED")
        && !l.destination.delivers_to.is_empty()));
    assert!(d(&|l| l.destination_type
        == DestinationType::KinesisDataFirehose
        && l.destination.exists == Existence::Yes
        && l.destination.encryption == Encryption::None
        && !l.destination.delivers_to.is_empty()));
    assert!(d(&|l| l.destination.exists == Existence::No));
    assert!(d(&|l| l.destination.exists == Existence::Unknown
        && l.destination
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("AccessDenied"))));
    assert!(d(&|l| l.deliver_logs_status.as_deref() == Some("FAILED")
        && l.deliver_logs_error_message.is_some()));
    assert!(d(&|l| l.destination.retention_days.is_some_and(|r| r < 90)));
    // VPC-005: an active log whose custom format lacks default fields (srcport, dstport, action).
    assert!(d(&|l| l.status == "ACTIVE"
        && l.log_format
            .as_deref()
            .is_some_and(|f| !f.contains("${srcport}"))));
    assert!(
        inv.errors
            .iter()
            .any(|e| e.code.contains("AccessDenied") || e.code == "UnauthorizedOperation")
    );
    // TGW-001: a logged transit gateway, one logged only on an attachment, a shared one.
    let tgws: Vec<_> = inv
        .regions
        .iter()
        .flat_map(|r| r.transit_gateways.iter())
        .collect();
    assert!(
        tgws.iter()
            .any(|t| !t.shared && t.flow_logs.iter().any(|l| l.status == "ACTIVE"))
    );
    assert!(tgws.iter().any(|t| {
        !t.shared
            && t.flow_logs.is_empty()
            && t.attachment_flow_logs
                .iter()
                .any(|l| l.resource_type == "transit_gateway_attachment")
    }));
    assert!(
        tgws.iter()
            .any(|t| t.shared && t.owner_id != inv.scan.account_id)
    );
}

#[test]
fn demo_inventory_runs_through_scan() {
    let dir = tempfile::tempdir().unwrap();
    let out = fa()
        .args(["scan", "--from-inventory"])
        .arg(repo_path("examples/demo-inventory.json"))
        .arg("--output")
        .arg(dir.path().join("out"))
        .run();
    // The demo holds a scan error, so the run is partial.
    assert_eq!(out.code(), 3, "{}", out.stderr());
    assert!(std::fs::metadata(dir.path().join("out")).unwrap().len() > 0);
}
