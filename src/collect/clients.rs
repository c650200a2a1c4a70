//! AWS configuration and per-region service clients: one place decides credentials, endpoint,
//! retries and timeouts for every call the collector makes.

use crate::error::Error;
use crate::pace::Pace;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{IdentityCache, ProvideCredentials, SharedCredentialsProvider};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The global cap on AWS calls in flight (`--max-in-flight`), shared by the clients of every
/// account, and the pace of the services whose rates are per caller rather than per account and
/// region. A call holds a permit from its first attempt to its last (retries included).
#[derive(Clone)]
pub struct Limit {
    calls: Arc<Semaphore>,
    paces: Arc<Paces>,
}

/// Organizations is a global service with low request rates, and every `AssumeRole` of a scan
/// counts against the caller's STS rate: their calls are paced, whatever the concurrency.
struct Paces {
    organizations: Pace,
    sts: Pace,
}

/// Calls to Organizations, paced: 50 a second, bursts of 50.
pub const ORGANIZATIONS_RATE: (f64, u32) = (50.0, 50);
/// `AssumeRole` calls, paced: 100 a second, bursts of 100.
pub const ASSUME_ROLE_RATE: (f64, u32) = (100.0, 100);

/// A service whose calls are paced.
#[derive(Debug, Clone, Copy)]
pub enum Paced {
    Organizations,
    AssumeRole,
}

impl std::fmt::Debug for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Limit({} free)", self.calls.available_permits())
    }
}

impl Limit {
    /// At most `n` calls at once (at least one).
    pub fn new(n: usize) -> Limit {
        Limit {
            calls: Arc::new(Semaphore::new(n.max(1))),
            paces: Arc::new(Paces {
                organizations: Pace::new(ORGANIZATIONS_RATE.0, ORGANIZATIONS_RATE.1),
                sts: Pace::new(ASSUME_ROLE_RATE.0, ASSUME_ROLE_RATE.1),
            }),
        }
    }

    /// Run one AWS call (or one page of a listing) under the cap.
    pub async fn run<F: std::future::Future>(&self, call: F) -> F::Output {
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self.calls.acquire().await.ok();
        call.await
    }

    /// Run one call of a paced service: wait for its turn (holding no place under the cap),
    /// then run it under the cap.
    pub async fn run_paced<F: std::future::Future>(&self, service: Paced, call: F) -> F::Output {
        match service {
            Paced::Organizations => self.paces.organizations.ready().await,
            Paced::AssumeRole => self.paces.sts.ready().await,
        }
        self.run(call).await
    }
}

/// Check that an endpoint override is an absolute http(s) URL; `origin` names where it came from.
pub fn validate_endpoint(url: &str, origin: &str) -> Result<(), Error> {
    let fix =
        "\n  fix: give an absolute URL such as http://127.0.0.1:5000 or https://ec2.example.com";
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| {
            Error::input(format!(
                "{origin}: {url:?} is not an http:// or https:// URL{fix}"
            ))
        })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => ("", None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(Error::input(format!(
            "{origin}: {url:?} has an invalid port {port:?}{fix}"
        )));
    }
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::input(format!(
            "{origin}: {url:?} has no host or contains spaces{fix}"
        )));
    }
    Ok(())
}

/// How long an idle connection is kept for reuse: under the idle timeouts of AWS's endpoints
/// (load balancers close idle connections after about a minute), so that a kept connection is
/// not one the far end has already closed.
const POOL_IDLE: Duration = Duration::from_secs(20);

/// The HTTP client of the whole run: every SDK client, of every account, region and service,
/// takes its connections from this one pool (without it, each client has a pool of its own and
/// almost every call opens a connection: a TCP and a TLS handshake). The TLS provider and the
/// proxy settings (HTTPS_PROXY, NO_PROXY) are the SDK's defaults.
pub fn shared_http_client(max_in_flight: usize) -> aws_sdk_sts::config::SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    let client = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut b = ConnectorBuilder::default()
            .pool_idle_timeout(POOL_IDLE)
            .pool_max_idle_per_host(max_in_flight.max(1))
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    });
    aws_sdk_sts::config::SharedHttpClient::new(OnePool(client))
}

/// The shared HTTP client as every SDK client sees it. The SDK's own client builds a whole
/// connector (a TLS configuration with every root certificate parsed) each time an SDK client is
/// made from it, only to check that it can, and drops it: an organization scan makes tens of
/// thousands of SDK clients (services × regions × accounts). Here that check is left out; the
/// connector of each set of connection settings is built once, by the first call that needs it,
/// and kept (a connector that cannot be built fails that call, which is reported).
#[derive(Debug)]
struct OnePool(aws_sdk_sts::config::SharedHttpClient);

impl aws_sdk_sts::config::HttpClient for OnePool {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder,
        _: &aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        Ok(())
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The shared configuration every client is built from, plus a cache of per-region clients.
pub struct Clients {
    pub sdk: SdkConfig,
    /// True when an endpoint override is active (S3 then needs path-style addressing).
    endpoint_override: bool,
    /// The cap on calls in flight, shared with every account's clients.
    pub limit: Limit,
    ec2: Mutex<HashMap<String, aws_sdk_ec2::Client>>,
    logs: Mutex<HashMap<String, aws_sdk_cloudwatchlogs::Client>>,
    s3: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    firehose: Mutex<HashMap<String, aws_sdk_firehose::Client>>,
}

/// How clients reach AWS: what `Clients::load` takes of the collector's options.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub profile: Option<String>,
    /// Overrides every service endpoint (else `AWS_ENDPOINT_URL` is honoured by the SDK).
    pub endpoint_url: Option<String>,
    /// Attempts per call, first included.
    pub max_attempts: u32,
    /// Per-attempt timeout.
    pub call_timeout: Duration,
    /// AWS calls in flight at once.
    pub max_in_flight: usize,
    /// The connection pool to take connections from ([`shared_http_client`]); `None` makes one.
    /// A long-running command (`watch`) hands its pool to every collection it runs, so that a
    /// re-check reuses the connections of the last one. A pool stays within one async runtime.
    pub pool: Option<aws_sdk_sts::config::SharedHttpClient>,
}

impl Clients {
    /// Load the standard aws-config chain (environment, profile, SSO, IMDS, web identity) with
    /// flowaudit's endpoint, retry and timeout settings. `fallback_region` is used when the
    /// chain names no region.
    pub async fn load(opts: impl Into<ClientSettings>, fallback_region: &str) -> Clients {
        let opts: ClientSettings = opts.into();
        let retry = RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1));
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(opts.call_timeout)
            .connect_timeout(opts.call_timeout.min(Duration::from_secs(10)))
            .build();
        // Stalled-stream protection watches every response body with a timer of its own: for
        // answers of a few kilobytes, the per-attempt timeout bounds a stalled read already.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts)
            .stalled_stream_protection(
                aws_sdk_sts::config::StalledStreamProtectionConfig::disabled(),
            )
            .http_client(
                opts.pool
                    .clone()
                    .unwrap_or_else(|| shared_http_client(opts.max_in_flight)),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none() {
            sdk = sdk
                .into_builder()
                .region(Region::new(fallback_region.to_string()))
                .build();
        }
        let endpoint_override = sdk.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty());
        Clients {
            sdk,
            endpoint_override,
            limit: Limit::new(opts.max_in_flight),
            ec2: Mutex::new(HashMap::new()),
            logs: Mutex::new(HashMap::new()),
            s3: Mutex::new(HashMap::new()),
            firehose: Mutex::new(HashMap::new()),
        }
    }

    /// Clients for another account: the same endpoint, retries, timeouts and cap on calls in
    /// flight, with the credentials of `provider` (which caches and renews them itself).
    pub fn with_credentials(&self, provider: impl ProvideCredentials + 'static) -> Clients {
        let sdk = self
            .sdk
            .clone()
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .identity_cache(IdentityCache::no_cache())
            .build();
        self.with_sdk(sdk)
    }

    /// The same clients with `max_attempts` attempts per call (the recovery pass's own budget),
    /// sharing the cap on calls in flight and the connection pool.
    pub fn with_max_attempts(&self, max_attempts: u32) -> Clients {
        let sdk = self
            .sdk
            .clone()
            .into_builder()
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts.max(1)))
            .build();
        self.with_sdk(sdk)
    }

    /// Clients built from `sdk`, sharing this one's endpoint override and cap on calls in
    /// flight, with empty caches.
    fn with_sdk(&self, sdk: SdkConfig) -> Clients {
        Clients {
            sdk,
            endpoint_override: self.endpoint_override,
            limit: self.limit.clone(),
            ec2: Mutex::new(HashMap::new()),
            logs: Mutex::new(HashMap::new()),
            s3: Mutex::new(HashMap::new()),
            firehose: Mutex::new(HashMap::new()),
        }
    }

    /// Drop the cached EC2 and CloudWatch Logs clients once an account's regions are read (a
    /// scan of many accounts keeps each account's clients to the end, for S3 and Firehose reads).
    pub fn release_regional(&self) {
        self.ec2.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Organizations (a global service: its calls go to the home region's endpoint).
    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.sdk)
    }

    /// The region account-wide calls (STS, DescribeRegions) go to.
    pub fn home_region(&self) -> String {
        self.sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string())
    }

    /// STS in the home region.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.sdk)
    }

    /// EC2 in `region`.
    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        cached(&self.ec2, region, || {
            let conf = aws_sdk_ec2::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_ec2::Client::from_conf(conf)
        })
    }

    /// CloudWatch Logs in `region`.
    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        cached(&self.logs, region, || {
            let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_cloudwatchlogs::Client::from_conf(conf)
        })
    }

    /// Kinesis Data Firehose in `region`.
    pub fn firehose(&self, region: &str) -> aws_sdk_firehose::Client {
        cached(&self.firehose, region, || {
            let conf = aws_sdk_firehose::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_firehose::Client::from_conf(conf)
        })
    }

    /// S3 in `region`, path-style when an endpoint override is set (emulators have no bucket DNS).
    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        cached(&self.s3, region, || {
            let conf = aws_sdk_s3::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_string()))
                .force_path_style(self.endpoint_override)
                .build();
            aws_sdk_s3::Client::from_conf(conf)
        })
    }
}

fn cached<C: Clone>(map: &Mutex<HashMap<String, C>>, region: &str, make: impl FnOnce() -> C) -> C {
    let mut guard = map.lock().unwrap_or_else(|e| e.into_inner());
    guard.entry(region.to_string()).or_insert_with(make).clone()
}

#[cfg(test)]
mod tests {
    use super::validate_endpoint;

    #[test]
    fn endpoint_urls() {
        for ok in [
            "http://127.0.0.1:5000",
            "https://ec2.example.com",
            "http://localhost:4566/",
            "http://[::1]:5000",
        ] {
            assert!(validate_endpoint(ok, "--endpoint-url").is_ok(), "{ok}");
        }
        for bad in [
            "localhost:5000",
            "ftp://x",
            "http://",
            "http://host:port",
            "http://a b",
        ] {
            let e = validate_endpoint(bad, "--endpoint-url").unwrap_err();
            assert!(e.to_string().starts_with("--endpoint-url: "), "{e}");
        }
    }
}
