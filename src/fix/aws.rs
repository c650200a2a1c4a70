//! AWS clients for the writing calls (the collector's, so both are configured alike: endpoint
//! override, standard retries with `--max-attempts`, per-attempt timeout), plus error formatting.

use crate::collect::CollectOptions;
use crate::collect::clients::Clients;
use aws_sdk_ec2::error::ProvideErrorMetadata;

/// The collector's clients: the same credentials chain, endpoint override, retries and timeouts.
pub type Aws = Clients;

/// Load the AWS configuration the way the scan does (default region us-east-1 when none is set).
pub async fn connect(opts: &CollectOptions) -> Aws {
    Clients::load(opts, "us-east-1").await
}

/// The error code of an SDK error (`AccessDenied`, `DryRunOperation`, ...), if the service sent one.
pub fn error_code<E>(e: &E) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    e.code().map(str::to_string)
}

/// `CODE: message` for a service error, or the full error chain for transport failures.
pub fn error_text<E>(e: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => {
            let mut s = e.to_string();
            let mut src = e.source();
            while let Some(inner) = src {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                src = inner.source();
            }
            s
        }
    }
}
