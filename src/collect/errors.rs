//! Turning SDK errors into the (code, message) pairs that scan errors and destination reasons carry.

use crate::inventory::ScanError;
use crate::inventory::error_class::ErrorClass;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

/// An AWS call that failed, reduced to what the inventory records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    /// The AWS error code, or `Timeout`, `Transport`, `InvalidResponse`, `HTTP<status>`.
    pub code: String,
    pub message: String,
    /// HTTP status of the response, when there was one.
    pub status: Option<u16>,
    /// The `x-amz-bucket-region` header of the response (S3 redirects and region mismatches).
    pub bucket_region: Option<String>,
}

impl CallFailure {
    /// The class of this failure: throttling, credentials, access denied, network, server error.
    pub fn class(&self) -> ErrorClass {
        ErrorClass::of(&self.code)
    }

    /// The fix that fits this failure of `service`'s `operation` (by its class), else `otherwise`.
    pub fn fix(&self, service: &str, operation: &str, otherwise: &str) -> String {
        self.class()
            .fix(service, operation, &self.code)
            .unwrap_or_else(|| otherwise.to_string())
    }

    /// `code: message`, for destination reasons and logs.
    pub fn summary(&self) -> String {
        if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        }
    }
}

/// Classify any SDK error (every AWS SDK crate shares these types).
pub fn classify<E>(err: &SdkError<E, HttpResponse>, timeout_secs: u64) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let bucket_region = err
        .raw_response()
        .and_then(|r| r.headers().get("x-amz-bucket-region"))
        .map(str::to_string);
    let (code, message) = match err {
        SdkError::ServiceError(_) => {
            let code = err
                .code()
                .map(str::to_string)
                .unwrap_or_else(|| match status {
                    Some(403) => "AccessDenied".to_string(),
                    Some(404) => "NotFound".to_string(),
                    Some(s) => format!("HTTP{s}"),
                    None => "Unknown".to_string(),
                });
            let message = err.message().map(str::to_string).unwrap_or_else(|| {
                status
                    .map(|s| format!("HTTP status {s}"))
                    .unwrap_or_default()
            });
            (code, message)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_string(),
            format!("no response within {timeout_secs} s (--call-timeout)"),
        ),
        // The credentials chain found nothing usable: the request was never sent. Its own class,
        // not a network failure, whatever the SDK wraps it in.
        _ if credentials_error(err).is_some() => {
            let c = credentials_error(err).unwrap_or(err);
            let code = match c.downcast_ref::<CredentialsError>() {
                Some(CredentialsError::ProviderTimedOut(_)) => "CredentialsTimeout",
                Some(CredentialsError::CredentialsNotLoaded(_)) => "NoCredentials",
                _ => "CredentialsError",
            };
            (code.to_string(), chain(c))
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => ("Timeout".to_string(), chain(err)),
        SdkError::DispatchFailure(_) => ("Transport".to_string(), chain(err)),
        SdkError::ResponseError(_) => ("InvalidResponse".to_string(), chain(err)),
        _ => ("Internal".to_string(), chain(err)),
    };
    CallFailure {
        code,
        message,
        status,
        bucket_region,
    }
}

/// An SDK message for an error line: each of its lines escaped for the terminal, the lines after
/// the first indented under it, so its own line breaks stay line breaks.
pub fn multiline(text: &str) -> String {
    text.lines()
        .map(|l| crate::term::escape(l.trim_end()).into_owned())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// The credentials-chain failure behind `err`, if a source of it is one.
fn credentials_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<CredentialsError>() {
            return Some(e);
        }
        cur = e.source();
    }
    None
}

/// The error and its sources, Display only, joined with `: ` (no Debug dumps in messages).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The scan error code of a value of the wrong shape in an AWS answer.
pub(crate) const INVALID_VALUE: &str = "InvalidValue";

/// An account-wide error entry (`region: null`).
pub(crate) fn account_error(
    account_id: &str,
    service: &str,
    operation: &str,
    f: &CallFailure,
) -> ScanError {
    ScanError {
        account_id: account_id.to_string(),
        region: None,
        service: service.into(),
        operation: operation.into(),
        code: f.code.clone(),
        message: f.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionError;
    use aws_sdk_s3::primitives::SdkBody;

    fn service_error(
        status: u16,
        code: Option<&str>,
        header: Option<&str>,
    ) -> SdkError<GetBucketEncryptionError, HttpResponse> {
        let mut raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(""));
        if let Some(h) = header {
            raw.headers_mut()
                .insert("x-amz-bucket-region", h.to_string());
        }
        let mut meta = ErrorMetadata::builder().message("m");
        if let Some(c) = code {
            meta = meta.code(c);
        }
        SdkError::service_error(GetBucketEncryptionError::generic(meta.build()), raw)
    }

    #[test]
    fn service_errors_keep_code_status_and_region_hint() {
        let f = classify(
            &service_error(301, Some("PermanentRedirect"), Some("eu-west-1")),
            30,
        );
        assert_eq!(f.code, "PermanentRedirect");
        assert_eq!(f.status, Some(301));
        assert_eq!(f.bucket_region.as_deref(), Some("eu-west-1"));
        assert_eq!(f.summary(), "PermanentRedirect: m");
        // No code in the body: named after the status.
        assert_eq!(
            classify(&service_error(403, None, None), 30).code,
            "AccessDenied"
        );
        assert_eq!(
            classify(&service_error(503, None, None), 30).code,
            "HTTP503"
        );
    }

    #[test]
    fn timeouts_name_the_flag() {
        let e: SdkError<GetBucketEncryptionError, HttpResponse> = SdkError::timeout_error("slow");
        let f = classify(&e, 7);
        assert_eq!(f.code, "Timeout");
        assert!(f.message.contains("7 s (--call-timeout)"), "{}", f.message);
    }
}
