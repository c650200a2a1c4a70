//! Firehose delivery streams that flow logs deliver to: one `DescribeDeliveryStream` per stream,
//! in the stream's region and with the credentials of the account that owns it (the API reads
//! only the caller's own streams, by name). The answer gives the verdict (server-side encryption)
//! and the evidence (where the stream itself delivers).

use super::clients::Clients;
use super::errors::classify;
use crate::inventory::validate;
use crate::inventory::{Destination, Encryption, Existence, StreamTarget};
use aws_sdk_firehose::types::{
    DeliveryStreamDescription, DeliveryStreamEncryptionStatus, DestinationDescription, KeyType,
};

/// A delivery stream a flow log names: `arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamRef {
    pub account: String,
    pub region: String,
    pub name: String,
}

/// The stream an ARN names, or why it names none. A stream name holds 1 to 64 of
/// `[a-zA-Z0-9_.-]`; the region and account must have their shapes, as they choose where and
/// with whose credentials the stream is read.
pub fn parse_arn(arn: &str) -> Result<StreamRef, String> {
    let bad = || format!("cannot read a delivery stream from the destination {arn:?}");
    let mut f = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("firehose"), Some(region), Some(account), Some(resource)) =
        (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return Err(bad());
    };
    let name = resource.strip_prefix("deliverystream/").ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if !name_ok || validate::region(region).is_err() || validate::account_id(account).is_err() {
        return Err(bad());
    }
    Ok(StreamRef {
        account: account.to_string(),
        region: region.to_string(),
        name: name.to_string(),
    })
}

/// Read one delivery stream with `clients` (the credentials of the stream's account).
pub async fn describe(clients: &Clients, stream: &StreamRef, timeout_secs: u64) -> Destination {
    let result = clients
        .limit
        .run(
            clients
                .firehose(&stream.region)
                .describe_delivery_stream()
                .delivery_stream_name(&stream.name)
                .send(),
        )
        .await;
    tracing::debug!(stream = %crate::term::escape(&stream.name), region = %crate::term::escape(&stream.region), ok = result.is_ok(), "DescribeDeliveryStream");
    match result {
        Ok(out) => match out.delivery_stream_description() {
            Some(d) => described(d, stream),
            None => Destination {
                name: Some(stream.name.clone()),
                region: Some(stream.region.clone()),
                ..Destination::unknown("DescribeDeliveryStream answered no stream description")
            },
        },
        Err(e) => {
            let f = classify(&e, timeout_secs);
            let mut d = Destination {
                name: Some(stream.name.clone()),
                region: Some(stream.region.clone()),
                ..Destination::unknown(format!("DescribeDeliveryStream: {}", f.summary()))
            };
            if f.code == "ResourceNotFoundException" {
                d.exists = Existence::No;
            }
            d
        }
    }
}

/// The destination a stream's description gives: `Status` `ENABLED` is encrypted (a customer
/// managed key is `kms` with its ARN, an AWS owned key `aws_managed`); no encryption
/// configuration, or any other status, is not; a configuration without a status is `unknown`.
pub fn described(d: &DeliveryStreamDescription, stream: &StreamRef) -> Destination {
    let mut out = Destination {
        name: Some(stream.name.clone()),
        region: Some(stream.region.clone()),
        exists: Existence::Yes,
        ..Destination::unknown("")
    };
    out.reason = None;
    out.delivers_to = d.destinations().iter().filter_map(target).collect();
    let Some(sse) = d.delivery_stream_encryption_configuration() else {
        out.encryption = Encryption::None;
        out.reason = Some("the stream has no server-side encryption configuration".into());
        return out;
    };
    out.key_type = sse.key_type().map(|k| k.as_str().to_string());
    out.encryption_status = sse.status().map(|s| s.as_str().to_string());
    let failure = sse
        .failure_description()
        .map(|f| format!(" ({}: {})", f.r#type().as_str(), f.details()))
        .unwrap_or_default();
    match sse.status() {
        Some(DeliveryStreamEncryptionStatus::Enabled) => {
            let key = sse.key_arn().filter(|k| !k.is_empty());
            match (sse.key_type(), key) {
                (Some(KeyType::AwsOwnedCmk), _) => out.encryption = Encryption::AwsManaged,
                (_, Some(k)) => {
                    out.encryption = Encryption::Kms;
                    out.kms_key_id = Some(k.to_string());
                }
                (Some(KeyType::CustomerManagedCmk), None) => {
                    out.encryption = Encryption::Kms;
                    out.reason =
                        Some("a customer managed key whose ARN the answer does not give".into());
                }
                (t, None) => {
                    out.encryption = Encryption::AwsManaged;
                    out.reason = Some(match t {
                        None => {
                            "the answer names no key type; without a key ARN the key is AWS owned"
                                .into()
                        }
                        Some(t) => format!("key type {:?} without a key ARN", t.as_str()),
                    });
                }
            }
        }
        Some(s) => {
            out.encryption = Encryption::None;
            out.reason = Some(format!(
                "server-side encryption status is {}, not ENABLED{failure}",
                s.as_str()
            ));
        }
        None => {
            out.encryption = Encryption::Unknown;
            out.reason = Some("the stream's encryption configuration gives no status".into());
        }
    }
    out
}

/// Where one of a stream's destinations delivers. An S3 destination is described twice
/// (`S3DestinationDescription` and `ExtendedS3DestinationDescription`); the others carry an S3
/// backup bucket, which is not where the stream delivers and is left out.
fn target(d: &DestinationDescription) -> Option<StreamTarget> {
    let t = |kind: &str, target: Option<&str>| StreamTarget {
        kind: kind.to_string(),
        target: target.filter(|s| !s.is_empty()).map(str::to_string),
        name: None,
    };
    let found = if let Some(s) = d.extended_s3_destination_description() {
        t("s3", Some(s.bucket_arn()))
    } else if let Some(s) = d.s3_destination_description() {
        t("s3", Some(s.bucket_arn()))
    } else if let Some(h) = d.http_endpoint_destination_description() {
        let e = h.endpoint_configuration();
        StreamTarget {
            name: e
                .and_then(|e| e.name())
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            ..t("http-endpoint", e.and_then(|e| e.url()))
        }
    } else if let Some(r) = d.redshift_destination_description() {
        t("redshift", Some(r.cluster_jdbcurl()))
    } else if let Some(o) = d.amazonopensearchservice_destination_description() {
        t("opensearch", o.domain_arn().or(o.cluster_endpoint()))
    } else if let Some(o) = d.amazon_open_search_serverless_destination_description() {
        t("opensearch-serverless", o.collection_endpoint())
    } else if let Some(e) = d.elasticsearch_destination_description() {
        t("elasticsearch", e.domain_arn().or(e.cluster_endpoint()))
    } else if let Some(s) = d.splunk_destination_description() {
        t("splunk", s.hec_endpoint())
    } else if let Some(s) = d.snowflake_destination_description() {
        t("snowflake", s.account_url())
    } else if let Some(i) = d.iceberg_destination_description() {
        t(
            "iceberg",
            i.catalog_configuration().and_then(|c| c.catalog_arn()),
        )
    } else {
        t("other", None)
    };
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_firehose::types::{
        AmazonopensearchserviceDestinationDescription, DeliveryStreamEncryptionConfiguration,
        DeliveryStreamStatus, DeliveryStreamType, ExtendedS3DestinationDescription,
        FailureDescription, HttpEndpointDescription, HttpEndpointDestinationDescription,
        S3DestinationDescription, SnowflakeDestinationDescription, SplunkDestinationDescription,
    };

    fn stream() -> StreamRef {
        parse_arn("arn:aws:firehose:eu-west-1:123456789012:deliverystream/s-1").unwrap()
    }

    fn s3(bucket: &str) -> S3DestinationDescription {
        S3DestinationDescription::builder()
            .role_arn("arn:aws:iam::123456789012:role/r")
            .bucket_arn(bucket)
            .compression_format("UNCOMPRESSED".into())
            .build()
            .unwrap()
    }

    fn description(
        sse: Option<DeliveryStreamEncryptionConfiguration>,
        dests: Vec<DestinationDescription>,
    ) -> DeliveryStreamDescription {
        DeliveryStreamDescription::builder()
            .delivery_stream_name("s-1")
            .delivery_stream_arn("arn:aws:firehose:eu-west-1:123456789012:deliverystream/s-1")
            .delivery_stream_status(DeliveryStreamStatus::Active)
            .delivery_stream_type(DeliveryStreamType::DirectPut)
            .version_id("1")
            .set_delivery_stream_encryption_configuration(sse)
            .set_destinations(Some(dests))
            .has_more_destinations(false)
            .build()
            .unwrap()
    }

    #[test]
    fn arns() {
        assert_eq!(
            stream(),
            StreamRef {
                account: "123456789012".into(),
                region: "eu-west-1".into(),
                name: "s-1".into()
            }
        );
        for bad in [
            "",
            "arn:aws:firehose:eu-west-1:123456789012:deliverystream/",
            "arn:aws:firehose:eu-west-1:123456789012:stream/s",
            "arn:aws:kinesis:eu-west-1:123456789012:deliverystream/s",
            "arn:aws:firehose::123456789012:deliverystream/s",
            "arn:aws:firehose:eu-west-1::deliverystream/s",
            "arn:aws:firehose:$(id):123456789012:deliverystream/s",
            "arn:aws:firehose:eu-west-1:123456789012:deliverystream/a b",
            "arn:aws:firehose:eu-west-1:123456789012:deliverystream/a/b",
        ] {
            let e = parse_arn(bad).unwrap_err();
            assert!(e.starts_with("cannot read a delivery stream"), "{bad}: {e}");
        }
    }

    #[test]
    fn verdicts() {
        let cfg =
            |t: Option<KeyType>, arn: Option<&str>, st: Option<DeliveryStreamEncryptionStatus>| {
                Some(
                    DeliveryStreamEncryptionConfiguration::builder()
                        .set_key_type(t)
                        .set_key_arn(arn.map(str::to_string))
                        .set_status(st)
                        .build(),
                )
            };
        let d = described(&description(None, vec![]), &stream());
        assert_eq!((d.exists, d.encryption), (Existence::Yes, Encryption::None));
        assert_eq!(d.encryption_status, None);
        assert!(
            d.reason
                .unwrap()
                .contains("no server-side encryption configuration")
        );

        let key = "arn:aws:kms:eu-west-1:123456789012:key/k";
        let d = described(
            &description(
                cfg(
                    Some(KeyType::CustomerManagedCmk),
                    Some(key),
                    Some(DeliveryStreamEncryptionStatus::Enabled),
                ),
                vec![],
            ),
            &stream(),
        );
        assert_eq!(d.encryption, Encryption::Kms);
        assert_eq!(d.kms_key_id.as_deref(), Some(key));
        assert_eq!(d.key_type.as_deref(), Some("CUSTOMER_MANAGED_CMK"));
        assert_eq!(d.encryption_status.as_deref(), Some("ENABLED"));
        assert_eq!(d.reason, None);

        let d = described(
            &description(
                cfg(
                    Some(KeyType::AwsOwnedCmk),
                    None,
                    Some(DeliveryStreamEncryptionStatus::Enabled),
                ),
                vec![],
            ),
            &stream(),
        );
        assert_eq!((d.encryption, d.kms_key_id), (Encryption::AwsManaged, None));

        for st in [
            DeliveryStreamEncryptionStatus::Disabled,
            DeliveryStreamEncryptionStatus::Disabling,
            DeliveryStreamEncryptionStatus::Enabling,
            DeliveryStreamEncryptionStatus::EnablingFailed,
            DeliveryStreamEncryptionStatus::DisablingFailed,
        ] {
            let d = described(
                &description(
                    cfg(Some(KeyType::AwsOwnedCmk), None, Some(st.clone())),
                    vec![],
                ),
                &stream(),
            );
            assert_eq!(d.encryption, Encryption::None, "{st:?}");
            let reason = d.reason.unwrap();
            assert!(
                reason.contains(&format!("status is {}, not ENABLED", st.as_str())),
                "{reason}"
            );
        }
        let failed = DeliveryStreamEncryptionConfiguration::builder()
            .key_type(KeyType::CustomerManagedCmk)
            .key_arn(key)
            .status(DeliveryStreamEncryptionStatus::EnablingFailed)
            .failure_description(
                FailureDescription::builder()
                    .r#type("INVALID_KMS_KEY".into())
                    .details("key disabled")
                    .build()
                    .unwrap(),
            )
            .build();
        let d = described(&description(Some(failed), vec![]), &stream());
        assert_eq!(d.encryption, Encryption::None);
        assert!(
            d.reason
                .unwrap()
                .ends_with("(INVALID_KMS_KEY: key disabled)")
        );

        // moto 5.2.5 answers a stream created with DeliveryStreamEncryptionConfigurationInput
        // with KeyType and KeyARN but no Status: it cannot be verified.
        let d = described(
            &description(
                cfg(Some(KeyType::CustomerManagedCmk), Some(key), None),
                vec![],
            ),
            &stream(),
        );
        assert_eq!(
            (d.exists, d.encryption),
            (Existence::Yes, Encryption::Unknown)
        );
        assert!(d.reason.unwrap().contains("gives no status"));
    }

    #[test]
    fn targets() {
        let dests = vec![
            // S3 is described twice, as AWS does.
            DestinationDescription::builder()
                .destination_id("d-1")
                .s3_destination_description(s3("arn:aws:s3:::plain"))
                .extended_s3_destination_description(
                    ExtendedS3DestinationDescription::builder()
                        .role_arn("arn:aws:iam::123456789012:role/r")
                        .bucket_arn("arn:aws:s3:::logs")
                        .compression_format("GZIP".into())
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
            DestinationDescription::builder()
                .destination_id("d-2")
                .http_endpoint_destination_description(
                    HttpEndpointDestinationDescription::builder()
                        .endpoint_configuration(
                            HttpEndpointDescription::builder()
                                .url("https://siem.example.com/in")
                                .name("SIEM")
                                .build(),
                        )
                        .s3_destination_description(s3("arn:aws:s3:::backup"))
                        .build(),
                )
                .build()
                .unwrap(),
            // moto 5.2.5 refuses an OpenSearch Service destination at CreateDeliveryStream, and
            // has no Snowflake or Iceberg destination: these are covered here only.
            DestinationDescription::builder()
                .destination_id("d-3")
                .amazonopensearchservice_destination_description(
                    AmazonopensearchserviceDestinationDescription::builder()
                        .cluster_endpoint("https://search-d.eu-west-1.es.amazonaws.com")
                        .build(),
                )
                .build()
                .unwrap(),
            DestinationDescription::builder()
                .destination_id("d-4")
                .splunk_destination_description(
                    SplunkDestinationDescription::builder()
                        .hec_endpoint("https://splunk.example.com:8088")
                        .build(),
                )
                .build()
                .unwrap(),
            DestinationDescription::builder()
                .destination_id("d-5")
                .snowflake_destination_description(
                    SnowflakeDestinationDescription::builder()
                        .account_url("https://acme.snowflakecomputing.com")
                        .build(),
                )
                .build()
                .unwrap(),
            DestinationDescription::builder()
                .destination_id("d-6")
                .build()
                .unwrap(),
        ];
        let d = described(&description(None, dests), &stream());
        let got: Vec<(String, Option<String>, Option<String>)> = d
            .delivers_to
            .iter()
            .map(|t| (t.kind.clone(), t.target.clone(), t.name.clone()))
            .collect();
        let o = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            vec![
                ("s3".into(), o("arn:aws:s3:::logs"), None),
                (
                    "http-endpoint".into(),
                    o("https://siem.example.com/in"),
                    o("SIEM")
                ),
                (
                    "opensearch".into(),
                    o("https://search-d.eu-west-1.es.amazonaws.com"),
                    None
                ),
                ("splunk".into(), o("https://splunk.example.com:8088"), None),
                (
                    "snowflake".into(),
                    o("https://acme.snowflakecomputing.com"),
                    None
                ),
                ("other".into(), None, None),
            ]
        );
        assert_eq!(validate::destination(&d), Ok(()));
    }
}
