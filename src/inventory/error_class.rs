//! What kind of failure a scan error is, read from its AWS error code, and the fix that fits it:
//! throttling wants time or more attempts, an expired token a new login, a denial the missing
//! permission, a network failure the endpoint. Collection uses it for the errors that stop a
//! scan, the reports for every error entry.

use super::ScanError;

/// The class of a failed AWS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// AWS slowed the caller down (Throttling, RequestLimitExceeded, SlowDown, HTTP 429, ...).
    Throttling,
    /// The credentials are expired, invalid or missing (ExpiredToken, InvalidClientTokenId, ...).
    Credentials,
    /// The credentials are valid but not allowed the call (AccessDenied, UnauthorizedOperation).
    AccessDenied,
    /// No usable answer arrived: a timeout, a connection failure or a response that is not AWS's.
    Network,
    /// AWS answered with a server error (InternalError, ServiceUnavailable, HTTP 5xx).
    ServiceFailure,
    /// Anything else: the code and message say what happened.
    Other,
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
    "HTTP429",
];

const CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "TokenRefreshRequired",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "RequestExpired",
    "InvalidSignatureException",
    "NoCredentials",
    "CredentialsError",
    "CredentialsTimeout",
];

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "NotAuthorized",
    "Forbidden",
    "AllAccessDisabled",
    "HTTP403",
];

const NETWORK: &[&str] = &["Timeout", "Transport", "InvalidResponse"];

const SERVICE_FAILURE: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "InternalServiceException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServiceException",
    "Unavailable",
];

impl ErrorClass {
    /// True for the classes of failures that can pass (throttling, a broken or timed-out
    /// connection, a server error): the ones worth asking again after a pause.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorClass::Throttling | ErrorClass::Network | ErrorClass::ServiceFailure
        )
    }

    /// The wire names of every class ([`ErrorClass::as_str`]).
    pub const NAMES: [&'static str; 6] = [
        "throttling",
        "credentials",
        "access_denied",
        "network",
        "server",
        "other",
    ];

    /// Every class, in the order the reports document them.
    pub const ALL: [ErrorClass; 6] = [
        ErrorClass::Throttling,
        ErrorClass::Credentials,
        ErrorClass::AccessDenied,
        ErrorClass::Network,
        ErrorClass::ServiceFailure,
        ErrorClass::Other,
    ];

    /// The stable name a report gives the class (`scan.errors[].class`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Throttling => "throttling",
            ErrorClass::Credentials => "credentials",
            ErrorClass::AccessDenied => "access_denied",
            ErrorClass::Network => "network",
            ErrorClass::ServiceFailure => "server",
            ErrorClass::Other => "other",
        }
    }

    /// The class of the AWS error `code` (as scan errors record it: the AWS code, or `Timeout`,
    /// `Transport`, `InvalidResponse`, `HTTP<status>`).
    pub fn of(code: &str) -> ErrorClass {
        let is = |list: &[&str]| list.iter().any(|c| c.eq_ignore_ascii_case(code));
        if is(THROTTLING) {
            ErrorClass::Throttling
        } else if is(CREDENTIALS) {
            ErrorClass::Credentials
        } else if is(ACCESS_DENIED) {
            ErrorClass::AccessDenied
        } else if is(NETWORK) {
            ErrorClass::Network
        } else if is(SERVICE_FAILURE)
            || code
                .strip_prefix("HTTP")
                .is_some_and(|s| s.starts_with('5'))
        {
            ErrorClass::ServiceFailure
        } else {
            ErrorClass::Other
        }
    }

    /// The fix for a failure of this class in `service`'s `operation` (`ec2`,
    /// `DescribeFlowLogs`), or `None` for [`ErrorClass::Other`], whose message is all there is.
    pub fn fix(self, service: &str, operation: &str, code: &str) -> Option<String> {
        Some(match self {
            ErrorClass::Throttling => "AWS is throttling the calls: run again later, or raise --max-attempts (default 5) and lower --concurrency or --max-in-flight".to_string(),
            ErrorClass::Credentials if code.eq_ignore_ascii_case("NoCredentials") => "no AWS credentials were found: set AWS_PROFILE (or --profile) to a profile of ~/.aws/config, run `aws sso login` for an SSO profile, run `aws configure` to create one, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string(),
            ErrorClass::Credentials if code.eq_ignore_ascii_case("CredentialsError") || code.eq_ignore_ascii_case("CredentialsTimeout") => "the credentials could not be loaded: check the profile in ~/.aws/config (`aws configure list-profiles`), run `aws sso login` for an SSO profile, or `aws configure` to create one".to_string(),
            ErrorClass::Credentials => "the credentials are expired or invalid: log in again (`aws sso login`, a fresh session token, or another AWS_PROFILE / --profile)".to_string(),
            ErrorClass::AccessDenied if operation == "AssumeRole" => "the member account's role cannot be assumed: check that it exists, that its trust policy allows the scanning principal (and --external-id), and that the caller may call sts:AssumeRole on it (docs/accounts.md)".to_string(),
            ErrorClass::AccessDenied => format!(
                "grant {} to the scanning role (docs/iam/scan-policy.json), or check for a service control policy that denies it",
                iam_action(service, operation)
            ),
            ErrorClass::Network if code.eq_ignore_ascii_case("Timeout") => "no answer in time: check the endpoint (--endpoint-url, AWS_ENDPOINT_URL) and the network, or raise --call-timeout".to_string(),
            ErrorClass::Network => "check the endpoint (--endpoint-url, AWS_ENDPOINT_URL), the proxy settings and the network path to AWS".to_string(),
            ErrorClass::ServiceFailure => "AWS answered a server error: run again later, or raise --max-attempts (default 5)".to_string(),
            ErrorClass::Other => return None,
        })
    }
}

/// The fix for a refused AssumeRole into a member account, by its cause as AWS's code and
/// message tell it: STS off in the region, a service control policy, the caller's own policy
/// or permissions boundary, or (AWS says no more) a role that does not exist or whose trust
/// policy or external id does not let the caller in. `None` for other failures.
pub fn assume_role_fix(code: &str, message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    if code.eq_ignore_ascii_case("RegionDisabledException") || m.contains("sts is not activated") {
        return Some(
            "STS is not activated in the region the role is assumed in: activate the region's STS endpoint (IAM > Account settings) in the member account, or set AWS_REGION to a region where it is active",
        );
    }
    if ErrorClass::of(code) != ErrorClass::AccessDenied {
        return None;
    }
    Some(if m.contains("service control policy") {
        "a service control policy of the organization denies this AssumeRole: ask its administrators to exempt the audit role (or the caller) from the SCP"
    } else if m.contains("permissions boundary") {
        "the caller's permissions boundary does not allow sts:AssumeRole on the member role: widen the boundary"
    } else if m.contains("explicit deny in an identity-based policy") {
        "a policy of the caller denies sts:AssumeRole on the member role: remove the deny"
    } else if m.contains("no identity-based policy allows") {
        "the caller may not call sts:AssumeRole on the member role: grant it (docs/iam/org-management-policy.json)"
    } else {
        "the member role does not exist, or its trust policy does not let the caller in: check the role's name (--role-name, --role-arn-template), that its trust policy names the auditing account, and that --external-id matches its sts:ExternalId condition (docs/accounts.md)"
    })
}

/// The IAM action that allows `service`'s API `operation`. Mostly the operation's name; S3 names
/// a few differently.
pub fn iam_action(service: &str, operation: &str) -> String {
    let action = match (service, operation) {
        ("s3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        ("s3", "HeadBucket") => "ListBucket",
        _ => operation,
    };
    format!("{service}:{action}")
}

impl ScanError {
    /// The class of this failure.
    pub fn class(&self) -> ErrorClass {
        ErrorClass::of(&self.code)
    }

    /// The fix that fits this failure, if its class has one. A refused AssumeRole is told
    /// apart by what AWS says of it.
    pub fn fix(&self) -> Option<String> {
        if self.operation == "AssumeRole"
            && let Some(fix) = assume_role_fix(&self.code, &self.message)
        {
            return Some(fix.to_string());
        }
        self.class().fix(&self.service, &self.operation, &self.code)
    }
}

/// For each of `errors`, the fix to say after it: its class's fix, or `None` when it has none or
/// the next error shares it, so that a run of errors with one fix says it once, after the run.
pub fn fixes_after_runs<'a>(
    errors: impl IntoIterator<Item = &'a ScanError>,
) -> Vec<Option<String>> {
    let fixes: Vec<Option<String>> = errors.into_iter().map(ScanError::fix).collect();
    (0..fixes.len())
        .map(|i| match fixes.get(i + 1) {
            Some(next) if *next == fixes[i] => None,
            _ => fixes[i].clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_assume_roles_are_told_apart_by_cause() {
        let fix = |code: &str, msg: &str| assume_role_fix(code, msg).unwrap_or("none");
        let base = "User: arn:aws:iam::111111111111:user/audit is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Audit";
        assert!(fix("AccessDenied", base).contains("does not exist, or its trust policy"));
        assert!(fix("AccessDenied", base).contains("--external-id"));
        assert!(
            fix(
                "AccessDenied",
                &format!("{base} with an explicit deny in a service control policy")
            )
            .contains("service control policy")
        );
        assert!(
            fix(
                "AccessDenied",
                &format!(
                    "{base} because no identity-based policy allows the sts:AssumeRole action"
                )
            )
            .contains("grant it")
        );
        assert!(
            fix(
                "AccessDenied",
                &format!("{base} with an explicit deny in an identity-based policy")
            )
            .contains("remove the deny")
        );
        assert!(
            fix(
                "AccessDenied",
                &format!("{base} because no permissions boundary allows the sts:AssumeRole action")
            )
            .contains("boundary")
        );
        assert!(
            fix(
                "RegionDisabledException",
                "STS is not activated in this region for account:222222222222"
            )
            .contains("activate")
        );
        assert_eq!(fix("Throttling", "Rate exceeded"), "none");
    }

    #[test]
    fn names_are_the_wire_names_of_every_class() {
        let names: Vec<&str> = ErrorClass::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ErrorClass::NAMES);
    }

    #[test]
    fn codes_fall_into_their_classes() {
        for (code, class) in [
            ("Throttling", ErrorClass::Throttling),
            ("RequestLimitExceeded", ErrorClass::Throttling),
            ("SlowDown", ErrorClass::Throttling),
            ("HTTP429", ErrorClass::Throttling),
            ("ExpiredToken", ErrorClass::Credentials),
            ("InvalidClientTokenId", ErrorClass::Credentials),
            ("AuthFailure", ErrorClass::Credentials),
            ("AccessDenied", ErrorClass::AccessDenied),
            ("UnauthorizedOperation", ErrorClass::AccessDenied),
            ("accessdeniedexception", ErrorClass::AccessDenied),
            ("Timeout", ErrorClass::Network),
            ("Transport", ErrorClass::Network),
            ("InternalError", ErrorClass::ServiceFailure),
            ("HTTP503", ErrorClass::ServiceFailure),
            ("HTTP404", ErrorClass::Other),
            ("InvalidParameterValue", ErrorClass::Other),
            ("", ErrorClass::Other),
        ] {
            assert_eq!(ErrorClass::of(code), class, "{code}");
        }
    }

    #[test]
    fn class_names_are_distinct_snake_case() {
        let names: std::collections::BTreeSet<&str> =
            ErrorClass::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorClass::ALL.len());
        for n in names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
        }
        assert_eq!(ErrorClass::of("Throttling").as_str(), "throttling");
        assert_eq!(ErrorClass::of("HTTP503").as_str(), "server");
        assert_eq!(
            ErrorClass::of("UnauthorizedOperation").as_str(),
            "access_denied"
        );
    }

    #[test]
    fn each_class_has_its_own_fix() {
        let fix = |code: &str, service: &str, op: &str| {
            ErrorClass::of(code)
                .fix(service, op, code)
                .unwrap_or_default()
        };
        assert!(fix("Throttling", "sts", "GetCallerIdentity").contains("--max-attempts"));
        assert!(!fix("Throttling", "sts", "GetCallerIdentity").contains("credentials"));
        assert!(fix("ExpiredToken", "ec2", "DescribeRegions").contains("log in again"));
        assert!(
            fix("UnauthorizedOperation", "ec2", "DescribeFlowLogs")
                .contains("grant ec2:DescribeFlowLogs")
        );
        assert!(
            fix("AccessDenied", "s3", "GetBucketEncryption")
                .contains("s3:GetEncryptionConfiguration")
        );
        assert!(fix("AccessDenied", "sts", "AssumeRole").contains("trust policy"));
        assert!(fix("Timeout", "ec2", "DescribeVpcs").contains("--call-timeout"));
        assert!(fix("Transport", "ec2", "DescribeVpcs").contains("endpoint"));
        assert!(fix("HTTP500", "ec2", "DescribeVpcs").contains("server error"));
        assert_eq!(ErrorClass::Other.fix("ec2", "DescribeVpcs", "Bogus"), None);
    }

    #[test]
    fn a_run_of_errors_with_one_fix_says_it_once_after_the_run() {
        let error = |code: &str, op: &str| ScanError {
            account_id: "123456789012".into(),
            region: Some("eu-west-1".into()),
            service: "ec2".into(),
            operation: op.into(),
            code: code.into(),
            message: String::new(),
        };
        let errors = [
            error("Throttling", "DescribeVpcs"),
            error("Throttling", "DescribeSubnets"),
            error("Bogus", "DescribeVpcs"),
            error("AccessDenied", "DescribeFlowLogs"),
        ];
        let said: Vec<bool> = fixes_after_runs(&errors)
            .iter()
            .map(Option::is_some)
            .collect();
        assert_eq!(said, [false, true, false, true]);
    }
}
