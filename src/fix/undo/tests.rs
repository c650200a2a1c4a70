use super::aws::{interface_of_stream, log_group_of_arn};
use super::decide::*;
use crate::fix::changelog::{ChangeLog, ChangeRecord, Outcome, now_rfc3339};
use crate::fix::plan::CHANGE_TAG;
use std::collections::{BTreeMap, BTreeSet};

fn rec(
    region: &str,
    ids: &[&str],
    groups: &[&str],
    undone: bool,
    outcome: Outcome,
) -> ChangeRecord {
    ChangeRecord {
        time: now_rfc3339(),
        role_arn: None,
        account_id: "111122223333".into(),
        region: region.into(),
        resource_id: None,
        action: "x".into(),
        description: "d".into(),
        outcome,
        error: None,
        change_id: None,
        client_token: None,
        flow_log_ids: ids.iter().map(|s| s.to_string()).collect(),
        log_groups_created: groups.iter().map(|s| s.to_string()).collect(),
        undone_at: undone.then(now_rfc3339),
    }
}

#[test]
fn undo_deletes_flow_logs_first_then_only_created_groups() {
    let mut log = ChangeLog::new("111122223333");
    log.changes = vec![
        rec("us-east-1", &[], &["/created"], false, Outcome::Applied),
        rec("us-east-1", &["fl-1"], &[], false, Outcome::Applied),
        // A failed change that still created a group (retention failed) is undone too.
        rec("eu-west-1", &[], &["/half"], false, Outcome::Failed),
        rec("eu-west-1", &["fl-2"], &[], true, Outcome::Applied),
        rec("eu-west-1", &[], &[], false, Outcome::Skipped),
    ];
    let steps = undo_steps(&log);
    let got: Vec<(usize, UndoKind, &str)> = steps
        .iter()
        .map(|s| (s.change, s.kind, s.id.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, UndoKind::FlowLog, "fl-1"),
            (0, UndoKind::LogGroup, "/created"),
            (2, UndoKind::LogGroup, "/half"),
        ]
    );
    assert_eq!(
        steps[0].describe(),
        "111122223333 us-east-1: delete flow log fl-1"
    );
}

#[test]
fn steps_carry_what_the_record_says_undo_must_check() {
    let mut log = ChangeLog::new("111122223333");
    let mut r = rec("us-east-1", &["fl-1"], &[], false, Outcome::Applied);
    r.action = CREATE_FLOW_LOG.into();
    r.resource_id = Some("vpc-1".into());
    r.change_id = Some("tok".into());
    log.changes = vec![r];
    let s = &undo_steps(&log)[0];
    assert_eq!(
        (
            s.action.as_str(),
            s.resource_id.as_deref(),
            s.change_id.as_deref(),
            s.derived_id
        ),
        (CREATE_FLOW_LOG, Some("vpc-1"), Some("tok"), false)
    );
    // A record of an earlier version: only the derived client_token.
    log.changes[0].change_id = None;
    log.changes[0].client_token = Some("tok".into());
    let s = &undo_steps(&log)[0];
    assert_eq!((s.change_id.as_deref(), s.derived_id), (None, true));
    // Both: the change_id is what counts.
    log.changes[0].change_id = Some("id".into());
    assert!(!undo_steps(&log)[0].derived_id);
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn flow_step() -> UndoStep {
    UndoStep {
        change: 0,
        account_id: "111122223333".into(),
        region: "us-east-1".into(),
        kind: UndoKind::FlowLog,
        id: "fl-1".into(),
        action: CREATE_FLOW_LOG.into(),
        resource_id: Some("vpc-1".into()),
        change_id: Some(TOKEN.into()),
        derived_id: false,
    }
}

fn group_step() -> UndoStep {
    UndoStep {
        kind: UndoKind::LogGroup,
        id: "/flowaudit/g".into(),
        action: CREATE_LOG_GROUP.into(),
        resource_id: None,
        ..flow_step()
    }
}

fn exists(attached_to: Option<&str>, tags: &[(&str, &str)]) -> Found {
    Found::Exists {
        attached_to: attached_to.map(str::to_string),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn only_a_matching_tag_on_the_recorded_vpc_is_deleted() {
    let ours = exists(Some("vpc-1"), &[(CHANGE_TAG, TOKEN), ("owner", "sec")]);
    assert_eq!(decide(&flow_step(), &ours), Verdict::Delete);
    let group = exists(None, &[(CHANGE_TAG, TOKEN)]);
    assert_eq!(decide(&group_step(), &group), Verdict::Delete);
}

#[test]
fn a_resource_without_the_tag_or_with_another_value_is_refused() {
    let untagged = exists(Some("vpc-1"), &[("Name", "production")]);
    assert_eq!(
        decide(&flow_step(), &untagged),
        Verdict::Refuse(Refusal::TagMissing)
    );
    assert_eq!(
        decide(&group_step(), &exists(None, &[])),
        Verdict::Refuse(Refusal::TagMissing)
    );
    let other = exists(Some("vpc-1"), &[(CHANGE_TAG, "another-change")]);
    assert_eq!(
        decide(&flow_step(), &other),
        Verdict::Refuse(Refusal::TagDiffers {
            found: "another-change".into()
        })
    );
    // The tag key must match exactly.
    let near = exists(None, &[("flowaudit:Change", TOKEN)]);
    assert_eq!(
        decide(&group_step(), &near),
        Verdict::Refuse(Refusal::TagMissing)
    );
}

#[test]
fn a_flow_log_of_another_resource_is_refused_even_with_the_right_tag() {
    let elsewhere = exists(Some("vpc-2"), &[(CHANGE_TAG, TOKEN)]);
    assert_eq!(
        decide(&flow_step(), &elsewhere),
        Verdict::Refuse(Refusal::OtherResource {
            found: "vpc-2".into(),
            recorded: "vpc-1".into()
        })
    );
    let unknown = exists(None, &[(CHANGE_TAG, TOKEN)]);
    assert!(matches!(
        decide(&flow_step(), &unknown),
        Verdict::Refuse(Refusal::OtherResource { .. })
    ));
}

#[test]
fn records_that_do_not_create_or_lack_an_id_are_refused_unread() {
    let ours = exists(Some("vpc-1"), &[(CHANGE_TAG, TOKEN)]);
    for action in ["associate-kms-key", CREATE_LOG_GROUP, "", "x"] {
        let s = UndoStep {
            action: action.into(),
            ..flow_step()
        };
        assert_eq!(
            decide(&s, &ours),
            Verdict::Refuse(Refusal::ActionDoesNotCreate {
                action: action.into()
            }),
            "{action}"
        );
        assert!(refuse_unread(&s).is_some());
    }
    let s = UndoStep {
        action: CREATE_FLOW_LOG.into(),
        ..group_step()
    };
    assert!(matches!(
        decide(&s, &exists(None, &[(CHANGE_TAG, TOKEN)])),
        Verdict::Refuse(Refusal::ActionDoesNotCreate { .. })
    ));
    for id in [None, Some(String::new())] {
        let s = UndoStep {
            change_id: id,
            ..flow_step()
        };
        // An empty id never matches an empty tag value.
        let empty = exists(Some("vpc-1"), &[(CHANGE_TAG, "")]);
        assert_eq!(decide(&s, &empty), Verdict::Refuse(Refusal::NoChangeId));
    }
    let s = UndoStep {
        resource_id: None,
        ..flow_step()
    };
    assert_eq!(
        decide(&s, &exists(None, &[(CHANGE_TAG, TOKEN)])),
        Verdict::Refuse(Refusal::NoResource)
    );
    assert_eq!(refuse_unread(&flow_step()), None);
    assert_eq!(refuse_unread(&group_step()), None);
}

#[test]
fn gone_is_refused_and_unreadable_is_a_failure() {
    assert_eq!(
        decide(&flow_step(), &Found::Gone),
        Verdict::Refuse(Refusal::Gone)
    );
    assert_eq!(
        decide(&group_step(), &Found::Unreadable("AccessDenied".into())),
        Verdict::Unverified("AccessDenied".into())
    );
}

#[test]
fn reasons_name_the_problem_and_escape_what_aws_sent() {
    let r = Refusal::TagDiffers {
        found: "x\u{1b}[2J".into(),
    };
    let t = r.to_string();
    assert!(t.starts_with("tag differs") && !t.contains('\u{1b}'), "{t}");
    let r = Refusal::OtherResource {
        found: "vpc-2".into(),
        recorded: "vpc-1".into(),
    };
    assert!(
        r.to_string()
            .contains("attached to another resource: vpc-2, not the recorded vpc-1")
    );
    assert!(Refusal::TagMissing.to_string().contains(CHANGE_TAG));
}

#[test]
fn a_derived_or_malformed_change_id_is_refused_even_when_the_tag_matches() {
    // Earlier versions tagged with SHA-256(account, region, resource, destination): a log
    // forged from public values carries it in client_token, or in change_id.
    let derived = "5f0c".repeat(16);
    let tagged = exists(Some("vpc-1"), &[(CHANGE_TAG, derived.as_str())]);
    let old = UndoStep {
        change_id: None,
        derived_id: true,
        ..flow_step()
    };
    assert_eq!(refuse_unread(&old), Some(Refusal::DerivedChangeId));
    assert_eq!(
        decide(&old, &tagged),
        Verdict::Refuse(Refusal::DerivedChangeId)
    );
    let forged = UndoStep {
        change_id: Some(derived.clone()),
        ..flow_step()
    };
    assert_eq!(
        decide(&forged, &tagged),
        Verdict::Refuse(Refusal::NotAChangeId { found: derived })
    );
    for bad in [
        TOKEN.to_uppercase(),
        format!("{TOKEN} "),
        TOKEN[1..].to_string(),
    ] {
        let s = UndoStep {
            change_id: Some(bad.clone()),
            ..group_step()
        };
        let tagged = exists(None, &[(CHANGE_TAG, bad.as_str())]);
        assert!(
            matches!(
                decide(&s, &tagged),
                Verdict::Refuse(Refusal::NotAChangeId { .. })
            ),
            "{bad}"
        );
    }
    let t = Refusal::DerivedChangeId.to_string();
    assert!(
        t.contains("earlier version") && t.contains("by hand"),
        "{t}"
    );
    let t = Refusal::NotAChangeId {
        found: "\u{1b}[2J".into(),
    }
    .to_string();
    assert!(
        t.starts_with("not a change id") && !t.contains('\u{1b}'),
        "{t}"
    );
}

fn ids(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_group_goes_only_when_every_flow_log_delivering_to_it_is_deleted_by_this_undo() {
    let deleted = ids(&["fl-1", "fl-2"]);
    assert_eq!(in_use(None, &deleted), None, "nothing delivers to it");
    assert_eq!(in_use(Some(&ids(&["fl-2"])), &deleted), None);
    assert_eq!(
        in_use(Some(&ids(&["fl-1", "fl-9", "fl-8"])), &deleted),
        Some(InUse {
            flow_logs: ids(&["fl-8", "fl-9"]),
            ..InUse::default()
        })
    );
    assert_eq!(
        in_use(Some(&ids(&["fl-1"])), &BTreeSet::new()),
        Some(InUse {
            flow_logs: ids(&["fl-1"]),
            ..InUse::default()
        }),
        "one of ours that was not deleted keeps it too"
    );
}

#[test]
fn in_use_names_five_flow_logs_escaped_and_counts_the_rest() {
    let many: Vec<String> = (0..8).map(|i| format!("fl-{i}")).collect();
    let t = InUse {
        flow_logs: many.iter().cloned().collect(),
        ..InUse::default()
    }
    .to_string();
    assert!(
        t.ends_with("deliver to it: fl-0, fl-1, fl-2, fl-3, fl-4 and 3 more"),
        "{t}"
    );
    let t = InUse {
        flow_logs: ids(&["fl-\u{1b}[2J"]),
        ..InUse::default()
    }
    .to_string();
    assert!(t.starts_with("in use:") && !t.contains('\u{1b}'), "{t}");
}

#[test]
fn the_group_of_a_destination_arn_is_its_name() {
    for (arn, name) in [
        (
            "arn:aws:logs:us-east-1:111122223333:log-group:/vpc/x",
            Some("/vpc/x"),
        ),
        (
            "arn:aws:logs:us-east-1:111122223333:log-group:/vpc/x:*",
            Some("/vpc/x"),
        ),
        ("arn:aws-cn:logs:cn-north-1:1:log-group:a:b", Some("a:b")),
        ("arn:aws:s3:::bucket", None),
    ] {
        assert_eq!(log_group_of_arn(arn), name, "{arn}");
    }
}

fn checked(step: UndoStep, verdict: Verdict) -> Checked {
    Checked { step, verdict }
}

fn flow(id: &str) -> UndoStep {
    UndoStep {
        id: id.into(),
        ..flow_step()
    }
}

/// [`keep_groups_in_use`] in the account and region of [`group_step`].
fn judge(c: &mut [Checked], users: &Users, writers: &Writers) {
    keep_groups_in_use(c, "111122223333", "us-east-1", users, writers);
}

fn no_writers() -> Writers {
    Ok(BTreeMap::new())
}

fn users(group: &str, flow_logs: &[&str]) -> Users {
    Ok(BTreeMap::from([(group.to_string(), ids(flow_logs))]))
}

#[test]
fn a_log_group_a_foreign_flow_log_still_delivers_to_is_kept() {
    let mut c = vec![
        checked(flow("fl-1"), Verdict::Delete),
        checked(group_step(), Verdict::Delete),
    ];
    judge(
        &mut c,
        &users("/flowaudit/g", &["fl-1", "fl-foreign"]),
        &no_writers(),
    );
    assert_eq!(
        c[0].verdict,
        Verdict::Delete,
        "the flow log itself still goes"
    );
    assert_eq!(
        c[1].verdict,
        Verdict::InUse(InUse {
            flow_logs: ids(&["fl-foreign"]),
            ..InUse::default()
        })
    );
}

#[test]
fn a_log_group_only_the_deleted_flow_logs_deliver_to_goes() {
    for delivering in [&["fl-1"][..], &[]] {
        let mut c = vec![
            checked(flow("fl-1"), Verdict::Delete),
            checked(group_step(), Verdict::Delete),
        ];
        judge(&mut c, &users("/flowaudit/g", delivering), &no_writers());
        assert_eq!(c[1].verdict, Verdict::Delete, "{delivering:?}");
    }
}

#[test]
fn a_log_group_is_kept_by_a_flow_log_of_ours_that_is_not_deleted() {
    let mut c = vec![
        checked(flow("fl-1"), Verdict::Refuse(Refusal::TagMissing)),
        checked(group_step(), Verdict::Delete),
    ];
    judge(&mut c, &users("/flowaudit/g", &["fl-1"]), &no_writers());
    assert_eq!(
        c[1].verdict,
        Verdict::InUse(InUse {
            flow_logs: ids(&["fl-1"]),
            ..InUse::default()
        })
    );
}

#[test]
fn group_users_count_only_in_their_own_account_and_region() {
    let elsewhere = UndoStep {
        region: "eu-west-1".into(),
        ..flow("fl-1")
    };
    let mut c = vec![
        checked(elsewhere, Verdict::Delete),
        checked(group_step(), Verdict::Delete),
    ];
    judge(&mut c, &users("/flowaudit/g", &["fl-1"]), &no_writers());
    assert!(matches!(c[1].verdict, Verdict::InUse(_)), "{:?}", c[1]);
    // The groups of another region are left as they are.
    let mut c = vec![checked(group_step(), Verdict::Delete)];
    keep_groups_in_use(
        &mut c,
        "111122223333",
        "eu-west-1",
        &Err("x".into()),
        &no_writers(),
    );
    assert_eq!(c[0].verdict, Verdict::Delete);
}

#[test]
fn unreadable_group_users_leave_the_group_unverified_and_refusals_untouched() {
    let refused = checked(
        UndoStep {
            id: "/other".into(),
            ..group_step()
        },
        Verdict::Refuse(Refusal::Gone),
    );
    let mut c = vec![checked(group_step(), Verdict::Delete), refused.clone()];
    judge(
        &mut c,
        &Err("DescribeFlowLogs: AccessDenied".into()),
        &no_writers(),
    );
    assert_eq!(
        c[0].verdict,
        Verdict::Unverified("DescribeFlowLogs: AccessDenied".into())
    );
    assert_eq!(c[1], refused);
}

#[test]
fn only_what_the_record_does_not_rule_out_is_read_back_per_account_and_region() {
    let steps = vec![
        flow("fl-1"),
        UndoStep {
            region: "eu-west-1".into(),
            ..flow("fl-2")
        },
        UndoStep {
            action: "associate-kms-key".into(),
            ..flow("fl-3")
        },
        group_step(),
        UndoStep {
            change_id: None,
            id: "/unproven".into(),
            ..group_step()
        },
    ];
    type Batch<'a> = (&'a str, &'a str, Vec<&'a str>);
    let got: Vec<(UndoKind, Vec<Batch>)> = to_read(&steps)
        .into_iter()
        .map(|(kind, batches)| {
            (
                kind,
                batches
                    .into_iter()
                    .map(|((a, r), ids)| (a, r, ids.into_iter().collect()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                UndoKind::FlowLog,
                vec![
                    ("111122223333", "eu-west-1", vec!["fl-2"]),
                    ("111122223333", "us-east-1", vec!["fl-1"]),
                ]
            ),
            (
                UndoKind::LogGroup,
                vec![("111122223333", "us-east-1", vec!["/flowaudit/g"])]
            ),
        ]
    );
}

#[test]
fn a_step_not_read_back_is_decided_as_gone() {
    let ours = exists(Some("vpc-1"), &[(CHANGE_TAG, TOKEN)]);
    let found = BTreeMap::from([(
        (
            UndoKind::FlowLog,
            "111122223333".to_string(),
            "us-east-1".to_string(),
            "fl-1".to_string(),
        ),
        ours,
    )]);
    let c = decide_all(vec![flow("fl-1"), flow("fl-2"), group_step()], &found);
    let verdicts: Vec<&Verdict> = c.iter().map(|c| &c.verdict).collect();
    assert_eq!(
        verdicts,
        vec![
            &Verdict::Delete,
            &Verdict::Refuse(Refusal::Gone),
            &Verdict::Refuse(Refusal::Gone)
        ]
    );
}

fn result(step: UndoStep, outcome: UndoOutcome) -> UndoResult {
    UndoResult {
        step,
        outcome,
        detail: None,
    }
}

#[test]
fn at_deletion_a_group_goes_only_when_its_flow_logs_were_just_deleted() {
    let group = group_step();
    let deleted = [result(flow("fl-1"), UndoOutcome::Deleted)];
    assert_eq!(
        group_kept(
            &group,
            &users("/flowaudit/g", &["fl-1"]),
            &no_writers(),
            &deleted
        ),
        None
    );
    // A flow log added since the check keeps it.
    let (outcome, detail) = group_kept(
        &group,
        &users("/flowaudit/g", &["fl-1", "fl-new"]),
        &no_writers(),
        &deleted,
    )
    .unwrap();
    assert_eq!(outcome, UndoOutcome::Kept);
    assert!(detail.unwrap().ends_with("deliver to it: fl-new"));
    // One of ours whose deletion failed keeps it too.
    let failed = [result(flow("fl-1"), UndoOutcome::Failed)];
    assert_eq!(
        group_kept(
            &group,
            &users("/flowaudit/g", &["fl-1"]),
            &no_writers(),
            &failed
        )
        .map(|d| d.0),
        Some(UndoOutcome::Kept)
    );
    assert_eq!(
        group_kept(&group, &Err("AccessDenied".into()), &no_writers(), &deleted),
        Some((
            UndoOutcome::Failed,
            Some("not deleted: cannot read it back to check it: AccessDenied".into())
        ))
    );
}

#[test]
fn only_a_verdict_to_delete_calls_aws() {
    assert_eq!(not_deleted(Verdict::Delete), None);
    assert_eq!(
        not_deleted(Verdict::Refuse(Refusal::TagMissing)).map(|d| d.0),
        Some(UndoOutcome::Refused)
    );
    assert_eq!(
        not_deleted(Verdict::InUse(InUse {
            flow_logs: ids(&["fl-9"]),
            ..InUse::default()
        }))
        .map(|d| d.0),
        Some(UndoOutcome::Kept)
    );
    assert_eq!(
        not_deleted(Verdict::Unverified("e".into())),
        Some((
            UndoOutcome::Failed,
            Some("not deleted: cannot read it back to check it: e".into())
        ))
    );
}

#[test]
fn a_change_is_undone_only_when_everything_it_created_was_deleted() {
    let of = |change, id: &str, outcome| result(UndoStep { change, ..flow(id) }, outcome);
    let results = [
        of(0, "fl-1", UndoOutcome::Deleted),
        of(0, "fl-2", UndoOutcome::Deleted),
        of(1, "fl-3", UndoOutcome::Deleted),
        of(1, "fl-4", UndoOutcome::Kept),
        of(2, "fl-5", UndoOutcome::Refused),
        of(3, "fl-6", UndoOutcome::DryRunOk),
        of(4, "fl-7", UndoOutcome::Deleted),
    ];
    assert_eq!(undone_changes(&results), BTreeSet::from([0, 4]));
}

fn writers(group: &str, interfaces: &[&str]) -> Writers {
    users(group, interfaces)
}

#[test]
fn a_log_group_another_accounts_interface_writes_to_is_kept_and_says_why() {
    let mut c = vec![
        checked(flow("fl-1"), Verdict::Delete),
        checked(group_step(), Verdict::Delete),
    ];
    judge(
        &mut c,
        &users("/flowaudit/g", &["fl-1"]),
        &writers("/flowaudit/g", &["eni-0f0f0f0f0f0f0f0f0"]),
    );
    assert_eq!(c[0].verdict, Verdict::Delete, "the flow log still goes");
    let Verdict::InUse(kept) = &c[1].verdict else {
        panic!("{:?}", c[1]);
    };
    assert_eq!(kept.flow_logs, BTreeSet::new());
    assert_eq!(kept.interfaces, ids(&["eni-0f0f0f0f0f0f0f0f0"]));
    let t = kept.to_string();
    assert!(
        t.starts_with("in use: network interfaces this account does not have wrote to it")
            && t.ends_with(": eni-0f0f0f0f0f0f0f0f0"),
        "{t}"
    );
    // Writers of another group do not keep this one; unreadable writers leave it unverified.
    let mut c = vec![checked(group_step(), Verdict::Delete)];
    judge(
        &mut c,
        &users("/flowaudit/g", &[]),
        &writers("/other", &["eni-0f0f0f0f0f0f0f0f0"]),
    );
    assert_eq!(c[0].verdict, Verdict::Delete);
    let mut c = vec![checked(group_step(), Verdict::Delete)];
    judge(
        &mut c,
        &users("/flowaudit/g", &[]),
        &Err("DescribeLogStreams: AccessDenied".into()),
    );
    assert_eq!(
        c[0].verdict,
        Verdict::Unverified("DescribeLogStreams: AccessDenied".into())
    );
    // At deletion too, with both reasons named.
    let deleted = [result(flow("fl-1"), UndoOutcome::Deleted)];
    let (outcome, detail) = group_kept(
        &group_step(),
        &users("/flowaudit/g", &["fl-1", "fl-new"]),
        &writers("/flowaudit/g", &["eni-0a0a0a0a"]),
        &deleted,
    )
    .unwrap();
    assert_eq!(outcome, UndoOutcome::Kept);
    let detail = detail.unwrap();
    assert!(
        detail.contains("deliver to it: fl-new; network interfaces")
            && detail.ends_with(": eni-0a0a0a0a"),
        "{detail}"
    );
}

#[test]
fn a_flow_log_stream_is_named_after_its_network_interface() {
    for (stream, eni) in [
        ("eni-0123456789abcdef0-all", Some("eni-0123456789abcdef0")),
        ("eni-0a1b2c3d", Some("eni-0a1b2c3d")),
        ("eni-0a1b2c3d-reject", Some("eni-0a1b2c3d")),
        ("eni-0a1b2c3", None),
        ("eni-0a1b2c3dx-all", None),
        ("eni-0123456789abcdef01", None),
        ("my-app-stream", None),
        ("", None),
    ] {
        assert_eq!(interface_of_stream(stream), eni, "{stream}");
    }
}
