//! Turning SDK errors into the (code, message) pairs that scan errors and destination reasons carry.

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

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
        SdkError::DispatchFailure(d) if d.is_timeout() => (
            "Timeout".to_string(),
            format!("{}", DisplayErrorContext(err)),
        ),
        SdkError::DispatchFailure(_) => (
            "Transport".to_string(),
            format!("{}", DisplayErrorContext(err)),
        ),
        SdkError::ResponseError(_) => (
            "InvalidResponse".to_string(),
            format!("{}", DisplayErrorContext(err)),
        ),
        _ => (
            "Internal".to_string(),
            format!("{}", DisplayErrorContext(err)),
        ),
    };
    CallFailure {
        code,
        message,
        status,
        bucket_region,
    }
}
