"""EventBridge -> SQS in moto, as `flowaudit watch` reads it: a queue and a rule sending
CloudTrail API-call events to it, and events put as CloudTrail would have them.

  events.py ENDPOINT setup [VISIBILITY]     -> {"queue_url": URL} (visibility timeout, s)
  events.py ENDPOINT put JSON               -> {"event_ids": [...]}
      JSON: a list of {"source": "aws.ec2", "eventSource": "ec2.amazonaws.com",
            "eventName": N, "region": R, "requestParameters": {...}, "responseElements": {...}}
  events.py ENDPOINT send URL BODY...       -> {} (raw messages, such as poison ones)
  events.py ENDPOINT count URL              -> {"visible": n, "in_flight": n}
"""
import json
import sys
import uuid

import boto3

ACCOUNT = "123456789012"


def client(endpoint, service, region="us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def main():
    endpoint, cmd = sys.argv[1], sys.argv[2]
    if cmd == "setup":
        visibility = sys.argv[3] if len(sys.argv) > 3 else "30"
        region = "us-east-1"
        sqs = client(endpoint, "sqs", region)
        url = sqs.create_queue(QueueName="flowaudit-watch",
                               Attributes={"VisibilityTimeout": visibility})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        ev = client(endpoint, "events", region)
        ev.put_rule(Name="flowaudit-watch", EventPattern=json.dumps({"detail-type": ["AWS API Call via CloudTrail"]}))
        ev.put_targets(Rule="flowaudit-watch", Targets=[{"Id": "queue", "Arn": arn}])
        print(json.dumps({"queue_url": url}))
    elif cmd == "put":
        region_of_rule = sys.argv[4] if len(sys.argv) > 4 else "us-east-1"
        ids = []
        for e in json.loads(sys.argv[3]):
            event_id = str(uuid.uuid4())
            detail = {
                "eventVersion": "1.08",
                "userIdentity": {"type": "IAMUser", "accountId": ACCOUNT},
                "eventTime": "2026-01-15T08:00:00Z",
                "eventSource": e["eventSource"],
                "eventName": e["eventName"],
                "awsRegion": e["region"],
                "sourceIPAddress": "192.0.2.1",
                "requestParameters": e.get("requestParameters"),
                "responseElements": e.get("responseElements"),
                "eventID": event_id,
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": e.get("account", ACCOUNT),
            }
            out = client(endpoint, "events", region_of_rule).put_events(Entries=[{
                "Source": e["source"], "DetailType": "AWS API Call via CloudTrail",
                "Detail": json.dumps(detail)}])
            if out.get("FailedEntryCount"):
                raise SystemExit(f"put_events failed: {out}")
            ids.append(event_id)
        print(json.dumps({"event_ids": ids}))
    elif cmd == "send":
        sqs = client(endpoint, "sqs")
        for body in sys.argv[4:]:
            sqs.send_message(QueueUrl=sys.argv[3], MessageBody=body)
        print("{}")
    elif cmd == "count":
        a = client(endpoint, "sqs").get_queue_attributes(
            QueueUrl=sys.argv[3],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        print(json.dumps({"visible": int(a["ApproximateNumberOfMessages"]),
                          "in_flight": int(a["ApproximateNumberOfMessagesNotVisible"])}))


main()
