//! Key associations: an unencrypted log group gets a KMS key (an unsafe fix); an unencrypted
//! bucket or delivery stream gets a note pointing to its remediation snippet.

use super::model::{Action, Change, RegionPlan};
use crate::fix::settings::FixSettings;
use crate::inventory::{DestinationType, Encryption, Existence, FlowLog};
use crate::term::escape;

/// An unencrypted CloudWatch group: associate a key with `--unsafe-fixes`, else say how.
pub(super) fn push_association(
    region: &str,
    account: &str,
    group: &str,
    allowed: bool,
    s: &FixSettings,
    acc: &mut RegionPlan,
) {
    if !allowed {
        acc.notes.push(format!(
            "{region}: log group {} is not encrypted; associating a KMS key changes an existing resource, so it is an unsafe fix: add --unsafe-fixes --fix-kms-key KEY_ARN to include it",
            escape(group)
        ));
        return;
    }
    let key = match s.kms_key_for(region) {
        Ok(Some(k)) => k.to_string(),
        Ok(None) => return, // --unsafe-fixes always comes with a key (checked in settings)
        Err(m) => {
            acc.problems.push(m);
            return;
        }
    };
    let exists = acc.changes.iter().any(|c| {
        c.region == region
            && matches!(&c.action, Action::AssociateKmsKey { log_group, .. } if log_group == group)
    });
    if !exists {
        acc.changes.push(Change {
            account_id: account.into(),
            region: region.into(),
            resource_id: None,
            resource_name: None,
            action: Action::AssociateKmsKey {
                log_group: group.into(),
                kms_key: key,
            },
            targets: Vec::new(),
            note: None,
        });
    }
}

/// A failing encryption check on a resource (its id and flow logs): plan key associations for
/// its unencrypted log groups (unsafe), and point to the remediation snippet for buckets (never
/// changed automatically).
pub(super) fn plan_encryption<'l>(
    (resource_id, logs): (&str, impl Iterator<Item = &'l FlowLog>),
    region: &str,
    account: &str,
    (rule_id, check_id): (&str, &str),
    allowed: bool,
    s: &FixSettings,
    acc: &mut RegionPlan,
) {
    for fl in logs {
        if fl.destination.encryption != Encryption::None || fl.destination.exists != Existence::Yes
        {
            continue;
        }
        let dest_region = fl.destination.region.as_deref().unwrap_or(region);
        match fl.destination_type {
            DestinationType::CloudWatchLogs => {
                if let Some(group) = fl
                    .log_group_name
                    .as_deref()
                    .or(fl.destination.name.as_deref())
                {
                    push_association(dest_region, account, group, allowed, s, acc);
                }
            }
            DestinationType::S3 => acc.notes.push(left_to_snippet(
                ("bucket", "has no default encryption", "bucket encryption"),
                fl,
                resource_id,
                (rule_id, check_id),
            )),
            DestinationType::KinesisDataFirehose => acc.notes.push(left_to_snippet(
                (
                    "delivery stream",
                    "has no server-side encryption",
                    "a delivery stream",
                ),
                fl,
                resource_id,
                (rule_id, check_id),
            )),
        }
    }
}

/// The note for an unencrypted destination that `--fix` does not change: what it is (`kind`),
/// what it lacks, and what `--fix` never changes, then where its remediation snippet is.
fn left_to_snippet(
    (kind, lacks, never): (&str, &str, &str),
    fl: &FlowLog,
    resource_id: &str,
    (rule_id, check_id): (&str, &str),
) -> String {
    let name = fl.destination.name.as_deref().unwrap_or("(unknown)");
    format!(
        "{kind} {} (flow log {} of {}) {lacks}; --fix never changes {never}: apply the remediation snippet of {rule_id}/{check_id} for {} in the report",
        escape(name),
        escape(&fl.id),
        escape(resource_id),
        escape(resource_id)
    )
}
