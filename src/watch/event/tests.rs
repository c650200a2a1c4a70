use super::*;
use serde_json::json;

fn envelope(source: &str, name: &str, req: Value, resp: Value) -> String {
    json!({
        "version": "0",
        "id": "e1",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": "123456789012",
        "region": "eu-west-1",
        "detail": {
            "eventSource": source,
            "eventName": name,
            "eventID": "ct-1",
            "awsRegion": "eu-west-1",
            "recipientAccountId": "123456789012",
            "requestParameters": req,
            "responseElements": resp,
        }
    })
    .to_string()
}

#[test]
fn ec2_events_name_the_vpcs_transit_gateways_and_flow_logs_they_touch() {
    let e = parse(&envelope(
        "ec2.amazonaws.com",
        "CreateFlowLogs",
        json!({"CreateFlowLogsRequest": {"ResourceId": {"content": "vpc-0123456789abcdef0", "tag": 1}}}),
        json!({"CreateFlowLogsResponse": {"flowLogIdSet": {"item": "fl-0123456789abcdef0"}}}),
    ))
    .unwrap();
    assert_eq!(e.id, "ct-1");
    assert_eq!(e.account, "123456789012");
    assert_eq!(e.region, "eu-west-1");
    assert!(!e.failed);
    assert_eq!(
        e.impacts,
        vec![
            Impact::Resource(ResourceKind::Vpc, "vpc-0123456789abcdef0".into()),
            Impact::FlowLog("fl-0123456789abcdef0".into()),
        ]
    );
    let t = parse(&envelope(
        "ec2.amazonaws.com",
        "CreateTransitGatewayVpcAttachment",
        json!({"CreateTransitGatewayVpcAttachmentRequest": {"TransitGatewayId": "tgw-0123456789abcdef0", "VpcId": "vpc-0123456789abcdef1"}}),
        json!({"transitGatewayAttachmentId": "tgw-attach-0123456789abcdef0"}),
    ))
    .unwrap();
    assert_eq!(t.impacts.len(), 2, "{:?}", t.impacts);
}

#[test]
fn destination_events_name_their_destination() {
    let l = parse(&envelope(
        "logs.amazonaws.com",
        "DeleteLogGroup",
        json!({"logGroupName": "/vpc/flow"}),
        Value::Null,
    ))
    .unwrap();
    assert_eq!(l.impacts, vec![Impact::LogGroup("/vpc/flow".into())]);
    let b = parse(&envelope(
        "s3.amazonaws.com",
        "DeleteBucketEncryption",
        json!({"bucketName": "logs", "Host": "logs.s3.amazonaws.com"}),
        Value::Null,
    ))
    .unwrap();
    assert_eq!(b.impacts, vec![Impact::Bucket("logs".into())]);
    let f = parse(&envelope(
        "firehose.amazonaws.com",
        "StopDeliveryStreamEncryption",
        json!({"deliveryStreamName": "to-siem"}),
        Value::Null,
    ))
    .unwrap();
    assert_eq!(f.impacts, vec![Impact::Stream("to-siem".into())]);
}

#[test]
fn failed_calls_unknown_events_and_foreign_messages_are_told_apart() {
    let mut v: Value = serde_json::from_str(&envelope(
        "ec2.amazonaws.com",
        "DeleteVpc",
        json!({"vpcId": "vpc-0123456789abcdef0"}),
        Value::Null,
    ))
    .unwrap();
    v["detail"]["errorCode"] = json!("Client.DependencyViolation");
    assert!(parse(&v.to_string()).unwrap().failed);
    assert!(matches!(
        parse(&envelope(
            "ec2.amazonaws.com",
            "RunInstances",
            json!({}),
            Value::Null
        )),
        Err(NotAnEvent::Unknown(_))
    ));
    assert!(matches!(parse("{not json"), Err(NotAnEvent::Malformed(_))));
    assert!(matches!(
        parse(&json!({"detail-type": "EC2 Instance State-change Notification"}).to_string()),
        Err(NotAnEvent::Malformed(_))
    ));
    let mut bad: Value = serde_json::from_str(&envelope(
        "ec2.amazonaws.com",
        "DeleteVpc",
        json!({}),
        Value::Null,
    ))
    .unwrap();
    bad["detail"]["recipientAccountId"] = json!("12");
    bad["account"] = json!("12");
    assert!(matches!(
        parse(&bad.to_string()),
        Err(NotAnEvent::Malformed(_))
    ));
}
