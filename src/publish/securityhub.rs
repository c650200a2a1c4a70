//! AWS Security Hub (CSPM): a report's findings imported with `BatchImportFindings` into the hub
//! of each finding's own account and region, and flowaudit's earlier findings there that are no
//! longer active (found with `GetFindings`) archived. These are the only two calls it makes.
//!
//! Calls are paced per hub to Security Hub's rates (`BatchImportFindings` 10 a second with
//! bursts of 30, `GetFindings` 3 a second with bursts of 6), and a throttled or failed call
//! (throttling, a server error, a timeout, a broken connection) is tried again after a pause
//! with jitter, each attempt paced like the first.

use super::plan::{self, BATCH_BYTES, BATCH_FINDINGS, Held, Hub, HubPlan, Scope};
use crate::collect::clients::Clients;
use crate::collect::errors::classify;
use crate::pace::Pace;
use crate::report::asff::{AsffFinding, product_arn};
use aws_config::retry::RetryConfig;
use aws_sdk_securityhub::config::http::HttpResponse;
use aws_sdk_securityhub::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_securityhub::types as t;
use futures::StreamExt;
use std::collections::HashSet;
use std::time::Duration;

/// How a publish paces and retries its calls.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `BatchImportFindings` calls a second per hub, and the burst.
    pub import_rate: f64,
    pub import_burst: u32,
    /// `GetFindings` calls a second per hub, and the burst.
    pub get_rate: f64,
    pub get_burst: u32,
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// Pause before the first retry; it doubles with each retry, up to `max_pause`.
    pub first_pause: Duration,
    pub max_pause: Duration,
    /// Hubs worked on at once.
    pub hubs_at_once: usize,
    /// `BatchImportFindings` calls in flight per hub.
    pub imports_at_once: usize,
    /// Per-attempt timeout (for messages).
    pub timeout_secs: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            import_rate: 10.0,
            import_burst: 30,
            get_rate: 3.0,
            get_burst: 6,
            attempts: 10,
            first_pause: Duration::from_millis(200),
            max_pause: Duration::from_secs(10),
            hubs_at_once: 16,
            imports_at_once: 4,
            timeout_secs: 30,
        }
    }
}

/// A finding a hub did not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotImported {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// What happened at one hub.
#[derive(Debug, Clone, Default)]
pub struct HubOutcome {
    pub hub: Hub,
    /// Active findings imported.
    pub imported: usize,
    /// Earlier findings archived.
    pub archived: usize,
    /// Findings the hub did not take: `FailedFindings` entries, and every finding of a call that
    /// failed for good.
    pub failed: Vec<NotImported>,
    /// Why the hub could not be worked on at all (not reachable, Security Hub not enabled, a
    /// failed `GetFindings`), with the findings it was to get counted in `failed`.
    pub error: Option<HubError>,
    /// Calls made, by operation.
    pub imports_called: usize,
    pub gets_called: usize,
}

/// Why a hub could not be worked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubError {
    /// The account's role could not be assumed.
    Unreachable(String),
    /// Security Hub is not enabled in this account and region.
    NotEnabled(String),
    /// A call failed for good: `(operation, code: message)`.
    Call(&'static str, String),
}

impl HubError {
    /// What went wrong and what to do about it, for the terminal: the texts from AWS escaped,
    /// the fix on a line of its own.
    pub fn text(&self) -> String {
        use crate::term::escape;
        match self {
            HubError::Unreachable(why) => {
                format!("the account cannot be reached: {}", escape(why))
            }
            HubError::NotEnabled(why) => format!(
                "Security Hub is not enabled in this account and region ({})\n  fix: enable Security Hub CSPM there (securityhub:EnableSecurityHub, or the organization's delegated administrator), or leave the region out of the scan",
                escape(why)
            ),
            HubError::Call(op, why) => format!("securityhub:{op} failed: {}", escape(why)),
        }
    }
}

/// The Security Hub client of `clients` in `region`: the same credentials, endpoint and timeouts,
/// with one attempt per call (retries are [`call`]'s, paced like first attempts).
pub fn client(clients: &Clients, region: &str) -> aws_sdk_securityhub::Client {
    let conf = aws_sdk_securityhub::config::Builder::from(&clients.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_securityhub::Client::from_conf(conf)
}

/// Publish every hub of `plan`, `settings.hubs_at_once` at a time. `reach` gives the clients of
/// an account or why it cannot be reached; `partition` is the caller's; `time` is the report's
/// (RFC 3339), the `UpdatedAt` of the findings it archives.
pub async fn publish<'a>(
    plan: plan::Plan,
    reach: &'a (dyn Fn(&str) -> Result<&'a Clients, String> + Sync),
    partition: &'a str,
    time: &'a str,
    settings: &'a Settings,
) -> Vec<HubOutcome> {
    let scope = &plan.scope;
    let report_time = chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc));
    let mut out: Vec<HubOutcome> = futures::stream::iter(plan.hubs)
        .map(|(hub, hub_plan)| async move {
            let clients = reach(&hub.account);
            publish_hub(
                clients,
                hub,
                hub_plan,
                scope,
                partition,
                time,
                report_time,
                settings,
            )
            .await
        })
        .buffer_unordered(settings.hubs_at_once.max(1))
        .collect()
        .await;
    out.sort_by(|a, b| a.hub.cmp(&b.hub));
    out
}

#[allow(clippy::too_many_arguments)]
async fn publish_hub(
    clients: Result<&Clients, String>,
    hub: Hub,
    hub_plan: HubPlan,
    scope: &Scope,
    partition: &str,
    time: &str,
    report_time: Option<chrono::DateTime<chrono::Utc>>,
    settings: &Settings,
) -> HubOutcome {
    let mut outcome = HubOutcome {
        hub: hub.clone(),
        ..HubOutcome::default()
    };
    let give_up =
        |outcome: &mut HubOutcome, err: HubError, findings: &mut dyn Iterator<Item = String>| {
            let (code, message) = match &err {
                HubError::Unreachable(w) => ("AccountUnreachable".to_string(), w.clone()),
                HubError::NotEnabled(w) => ("SecurityHubNotEnabled".to_string(), w.clone()),
                HubError::Call(_, w) => ("CallFailed".to_string(), w.clone()),
            };
            outcome.failed.extend(findings.map(|id| NotImported {
                id,
                code: code.clone(),
                message: message.clone(),
            }));
            outcome.error = Some(err);
        };
    let clients = match clients {
        Ok(c) => c,
        Err(why) => {
            // A hub with nothing to import, whose account cannot be reached, loses nothing.
            if !hub_plan.findings.is_empty() {
                give_up(
                    &mut outcome,
                    HubError::Unreachable(why),
                    &mut hub_plan.findings.into_keys(),
                );
            }
            return outcome;
        }
    };
    let sh = client(clients, &hub.region);
    let product = product_arn(partition, &hub.region, &hub.account);
    let gets = Pace::new(settings.get_rate, settings.get_burst);
    let imports = Pace::new(settings.import_rate, settings.import_burst);

    // What flowaudit imported here earlier, when the hub is inside the scope.
    let mut archive: Vec<t::AwsSecurityFinding> = Vec::new();
    if hub_plan.in_scope {
        match held(&sh, clients, &hub, &product, &gets, settings, &mut outcome).await {
            Ok(found) => {
                let imported: HashSet<&str> =
                    hub_plan.findings.keys().map(String::as_str).collect();
                for f in found {
                    if plan::archives(&held_of(&f), &hub, &product, &imported, scope, report_time) {
                        archive.push(archived(f, time));
                    }
                }
            }
            Err(err) => {
                // Nothing to import here: the hub's earlier findings are left as they are, and
                // a hub where Security Hub is off is no failure.
                if hub_plan.findings.is_empty() {
                    if !matches!(err, HubError::NotEnabled(_)) {
                        outcome.error = Some(err);
                    }
                    return outcome;
                }
                give_up(&mut outcome, err, &mut hub_plan.findings.into_keys());
                return outcome;
            }
        }
    }

    // Active findings first, then the archived ones, in batches.
    let active = hub_plan.findings.len();
    let mut items: Vec<(t::AwsSecurityFinding, usize, bool)> =
        Vec::with_capacity(active + archive.len());
    for f in hub_plan.findings.into_values() {
        let size = serde_json::to_vec(&f)
            .map(|v| v.len())
            .unwrap_or(BATCH_BYTES);
        items.push((to_sdk(&f), size, true));
    }
    for f in archive {
        let size = approx_size(&f);
        items.push((f, size, false));
    }
    let sizes: Vec<usize> = items.iter().map(|i| i.1).collect();
    let ranges = plan::batches(&sizes, BATCH_FINDINGS, BATCH_BYTES);
    let mut items = items.into_iter();
    let batches: Vec<Vec<(t::AwsSecurityFinding, bool)>> = ranges
        .iter()
        .map(|r| {
            items
                .by_ref()
                .take(r.len())
                .map(|(f, _, a)| (f, a))
                .collect()
        })
        .collect();
    let results: Vec<BatchResult> = futures::stream::iter(batches)
        .map(|batch| import(&sh, clients, batch, &imports, settings))
        .buffer_unordered(settings.imports_at_once.max(1))
        .collect()
        .await;
    let mut not_enabled = None;
    for r in results {
        outcome.imports_called += r.calls;
        outcome.imported += r.active_ok;
        outcome.archived += r.archived_ok;
        outcome.failed.extend(r.failed);
        if let Some(e) = r.error {
            if matches!(e, HubError::NotEnabled(_)) {
                not_enabled = Some(e);
            } else if outcome.error.is_none() {
                outcome.error = Some(e);
            }
        }
    }
    if let Some(e) = not_enabled {
        outcome.error = Some(e);
    }
    outcome
}

/// The active findings flowaudit imported into `hub` (`GetFindings` filtered by product,
/// generator, account, region and record state, then checked again here).
async fn held(
    sh: &aws_sdk_securityhub::Client,
    clients: &Clients,
    hub: &Hub,
    product: &str,
    pace: &Pace,
    settings: &Settings,
    outcome: &mut HubOutcome,
) -> Result<Vec<t::AwsSecurityFinding>, HubError> {
    let eq = |v: &str| {
        t::StringFilter::builder()
            .value(v)
            .comparison(t::StringFilterComparison::Equals)
            .build()
    };
    let filters = t::AwsSecurityFindingFilters::builder()
        .product_arn(eq(product))
        .aws_account_id(eq(&hub.account))
        .region(eq(&hub.region))
        .record_state(eq("ACTIVE"))
        .generator_id(
            t::StringFilter::builder()
                .value("flowaudit/")
                .comparison(t::StringFilterComparison::Prefix)
                .build(),
        )
        .build();
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = call(settings, pace, clients, &mut outcome.gets_called, || {
            sh.get_findings()
                .filters(filters.clone())
                .max_results(100)
                .set_next_token(token.clone())
                .send()
        })
        .await
        .map_err(|e| hub_error("GetFindings", &e, settings))?;
        found.extend(
            page.findings()
                .iter()
                .filter(|f| {
                    f.product_arn() == Some(product)
                        && f.generator_id().is_some_and(|g| plan::rule_of(g).is_some())
                })
                .cloned(),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() && Some(next) != token.as_deref() => {
                token = Some(next.to_string())
            }
            _ => break,
        }
    }
    Ok(found)
}

/// What one `BatchImportFindings` call did.
#[derive(Default)]
struct BatchResult {
    calls: usize,
    active_ok: usize,
    archived_ok: usize,
    failed: Vec<NotImported>,
    error: Option<HubError>,
}

async fn import(
    sh: &aws_sdk_securityhub::Client,
    clients: &Clients,
    batch: Vec<(t::AwsSecurityFinding, bool)>,
    pace: &Pace,
    settings: &Settings,
) -> BatchResult {
    let mut r = BatchResult::default();
    let findings: Vec<t::AwsSecurityFinding> = batch.iter().map(|(f, _)| f.clone()).collect();
    let sent = call(settings, pace, clients, &mut r.calls, || {
        sh.batch_import_findings()
            .set_findings(Some(findings.clone()))
            .send()
    })
    .await;
    match sent {
        Ok(out) => {
            let failed: HashSet<&str> = out
                .failed_findings()
                .iter()
                .filter_map(|e| e.id())
                .collect();
            for e in out.failed_findings() {
                r.failed.push(NotImported {
                    id: e.id().unwrap_or_default().to_string(),
                    code: e.error_code().unwrap_or("Unknown").to_string(),
                    message: e.error_message().unwrap_or_default().to_string(),
                });
            }
            for (f, active) in &batch {
                if failed.contains(f.id().unwrap_or_default()) {
                    continue;
                }
                if *active {
                    r.active_ok += 1;
                } else {
                    r.archived_ok += 1;
                }
            }
        }
        Err(e) => {
            let err = hub_error("BatchImportFindings", &e, settings);
            let f = classify(&e, settings.timeout_secs);
            r.failed
                .extend(batch.iter().map(|(finding, _)| NotImported {
                    id: finding.id().unwrap_or_default().to_string(),
                    code: f.code.clone(),
                    message: f.message.clone(),
                }));
            r.error = Some(err);
        }
    }
    r
}

/// One call, paced, tried again while it fails in a way that can pass (throttling, a server
/// error, a timeout, a broken connection), up to `settings.attempts` attempts. `count` counts
/// the attempts.
async fn call<T, E, F, Fut>(
    settings: &Settings,
    pace: &Pace,
    clients: &Clients,
    count: &mut usize,
    mut f: F,
) -> Result<T, SdkError<E, HttpResponse>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut attempt = 0u32;
    loop {
        pace.ready().await;
        *count += 1;
        attempt += 1;
        match clients.limit.run(f()).await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < settings.attempts.max(1) && transient(&e, settings) => {
                tokio::time::sleep(pause(settings, attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn transient<E>(e: &SdkError<E, HttpResponse>, settings: &Settings) -> bool
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    classify(e, settings.timeout_secs).class().is_transient()
}

/// The pause before attempt `attempt + 1`: `first_pause` doubled per retry, at most
/// `max_pause`, then a random half to all of it.
fn pause(settings: &Settings, attempt: u32) -> Duration {
    let full = settings
        .first_pause
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(settings.max_pause);
    crate::pace::jitter(full)
}

/// The hub error of a call that failed for good.
fn hub_error<E>(op: &'static str, e: &SdkError<E, HttpResponse>, settings: &Settings) -> HubError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let f = classify(e, settings.timeout_secs);
    if not_enabled(&f.code, &f.message) {
        HubError::NotEnabled(f.summary())
    } else {
        HubError::Call(op, f.summary())
    }
}

/// Whether an error says Security Hub is not enabled (`InvalidAccessException`: "Account ... is
/// not subscribed to AWS Security Hub").
pub fn not_enabled(code: &str, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == "InvalidAccessException" && (m.contains("not subscribed") || m.contains("not enabled"))
}

/// The decision fields of a finding a hub holds.
fn held_of(f: &t::AwsSecurityFinding) -> Held {
    Held {
        id: f.id().unwrap_or_default().to_string(),
        product_arn: f.product_arn().unwrap_or_default().to_string(),
        generator_id: f.generator_id().unwrap_or_default().to_string(),
        account: f.aws_account_id().unwrap_or_default().to_string(),
        region: f.region().unwrap_or_default().to_string(),
        record_state: f
            .record_state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        updated_at: f.updated_at().map(str::to_string),
        resource: f
            .resources()
            .first()
            .and_then(|r| r.id())
            .map(|id| id.rsplit('/').next().unwrap_or(id).to_string())
            .unwrap_or_default(),
    }
}

/// A held finding, archived: compliance PASSED, record state ARCHIVED, updated at `time`. The
/// fields a provider cannot update (workflow, notes, ...) are left out.
fn archived(mut f: t::AwsSecurityFinding, time: &str) -> t::AwsSecurityFinding {
    let requirements = f
        .compliance
        .as_ref()
        .map(|c| c.related_requirements().to_vec())
        .filter(|r| !r.is_empty());
    f.compliance = Some(
        t::Compliance::builder()
            .status(t::ComplianceStatus::Passed)
            .set_related_requirements(requirements)
            .build(),
    );
    f.record_state = Some(t::RecordState::Archived);
    f.updated_at = Some(time.to_string());
    f.last_observed_at = Some(time.to_string());
    f.workflow = None;
    f.workflow_state = None;
    f.note = None;
    f.user_defined_fields = None;
    f.verification_state = None;
    f.processed_at = None;
    f
}

/// A generous estimate of a held finding's size in a request (only flowaudit's own findings are
/// archived, and they hold nothing but text fields).
fn approx_size(f: &t::AwsSecurityFinding) -> usize {
    let texts = [
        f.id(),
        f.title(),
        f.description(),
        f.product_arn(),
        f.generator_id(),
    ];
    let mut n: usize = texts.iter().flatten().map(|s| s.len() * 2).sum();
    n += f.types().iter().map(|s| s.len() * 2 + 4).sum::<usize>();
    if let Some(r) = f.remediation().and_then(|r| r.recommendation()) {
        n += r.text().map_or(0, |s| s.len() * 2) + r.url().map_or(0, |s| s.len() * 2);
    }
    if let Some(p) = f.product_fields() {
        n += p
            .iter()
            .map(|(k, v)| (k.len() + v.len()) * 2 + 8)
            .sum::<usize>();
    }
    for r in f.resources() {
        n += r.id().map_or(0, |s| s.len() * 2) + 256;
        if let Some(tags) = r.tags() {
            n += tags
                .iter()
                .map(|(k, v)| (k.len() + v.len()) * 2 + 8)
                .sum::<usize>();
        }
    }
    if let Some(c) = f.compliance() {
        n += c
            .related_requirements()
            .iter()
            .map(|s| s.len() * 2 + 4)
            .sum::<usize>();
    }
    n + 4096
}

/// The SDK's form of an exported finding: the same fields, field for field.
pub fn to_sdk(f: &AsffFinding) -> t::AwsSecurityFinding {
    let r = &f.resources[0];
    let mut resource = t::Resource::builder()
        .r#type(r.kind)
        .id(&r.id)
        .region(&r.region)
        .set_partition(r.partition.as_deref().map(t::Partition::from));
    for (k, v) in &r.tags {
        resource = resource.tags(k, v);
    }
    let label = t::SeverityLabel::from(f.severity.label);
    let mut b = t::AwsSecurityFinding::builder()
        .schema_version(f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .product_name(&f.product_name)
        .company_name(&f.company_name)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .region(&f.region)
        .set_types(Some(f.types.clone()))
        .created_at(&f.created_at)
        .updated_at(&f.updated_at)
        .first_observed_at(&f.first_observed_at)
        .last_observed_at(&f.last_observed_at)
        .severity(t::Severity::builder().label(label.clone()).build())
        .finding_provider_fields(
            t::FindingProviderFields::builder()
                .severity(
                    t::FindingProviderSeverity::builder()
                        .label(t::SeverityLabel::from(
                            f.finding_provider_fields.severity.label,
                        ))
                        .build(),
                )
                .set_types(Some(f.finding_provider_fields.types.clone()))
                .build(),
        )
        .title(&f.title)
        .description(&f.description)
        .remediation(
            t::Remediation::builder()
                .recommendation(
                    t::Recommendation::builder()
                        .text(&f.remediation.recommendation.text)
                        .set_url(f.remediation.recommendation.url.clone())
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(
            f.product_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
        .resources(resource.build())
        .compliance(
            t::Compliance::builder()
                .status(t::ComplianceStatus::from(f.compliance.status))
                .set_related_requirements(
                    (!f.compliance.related_requirements.is_empty())
                        .then(|| f.compliance.related_requirements.clone()),
                )
                .build(),
        )
        .record_state(t::RecordState::from(f.record_state));
    if let Some(w) = &f.workflow {
        b = b.workflow(
            t::Workflow::builder()
                .status(t::WorkflowStatus::from(w.status))
                .build(),
        );
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_enabled_is_recognised_by_code_and_message() {
        assert!(not_enabled(
            "InvalidAccessException",
            "Account 111111111111 is not subscribed to AWS Security Hub"
        ));
        assert!(!not_enabled("InvalidAccessException", "something else"));
        assert!(!not_enabled("AccessDeniedException", "not subscribed"));
    }

    #[test]
    fn pauses_double_up_to_the_cap_with_jitter() {
        let s = Settings::default();
        for attempt in 1..12 {
            let full = (s.first_pause * (1 << (attempt - 1))).min(s.max_pause);
            let p = pause(&s, attempt);
            assert!(p >= full / 2 && p <= full, "{attempt}: {p:?} of {full:?}");
        }
    }
}
