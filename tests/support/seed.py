"""Seed a moto server with AWS resources described as JSON, and print the ids it created.

Usage: seed.py ENDPOINT < ops.json

ops.json is a list of operations, applied in order. Every op has "op" and "region"; an op with a
"key" records the id it created under that key, and any string value "$key" (`$` and a recorded key of letters,
digits, `_`, `-` or `.`) in a later op is replaced by that id. Ops:
  {"op": "vpc", "key": K, "cidr": "10.0.0.0/16", "tags": {...}}
  {"op": "subnet", "key": K, "vpc": "$vpc", "cidr": "10.0.1.0/24", "tags": {...}}
  {"op": "kms_key", "key": K}                                  -> key ARN
  {"op": "log_group", "name": N, "kms_key": "$k" | null, "retention": days | null}
  {"op": "bucket", "name": N, "encryption": "AES256" | "aws:kms" | null}
  {"op": "role", "key": K, "name": N}                          -> role ARN (flow-log delivery role)
  {"op": "flow_log", "key": K, "resource": "$vpc|$subnet", "traffic": "ALL|ACCEPT|REJECT", ["log_format": F,]
   "log_group": N, "role": "$role"}  or  {..., "bucket": N}  or {..., "destination_arn": ARN, "destination_type": T}
  {"op": "vpcs", "count": N, "prefix": P, "cidr_base": 10}     -> N VPCs, keys P0..P(N-1)
  {"op": "delete_log_group", "name": N}   {"op": "delete_bucket", "name": N}
  {"op": "delete_flow_log", "flow_log": "$fl"}
  {"op": "eni", "key": K, "subnet": "$subnet"}                  -> network interface id
  {"op": "tgw", "key": K, "tags": {...}}                          -> transit gateway id
  {"op": "tgw_attachment", "key": K, "tgw": "$tgw", "vpc": "$vpc", "subnet": "$subnet"}
                                                                 -> attachment id
  (a flow_log whose resource is a tgw-… or tgw-attach-… id is created with resource type
   TransitGateway / TransitGatewayAttachment and no traffic type)
  {"op": "delivery_stream", "key": K, "name": N, "bucket": B | "http_url": U,
   "encryption": "AWS_OWNED_CMK" | "CUSTOMER_MANAGED_CMK" | null, "kms_key": "$k",
   "then_stop": bool, "at_create": bool}                         -> stream ARN
     (encryption is started with StartDeliveryStreamEncryption, or given to CreateDeliveryStream
     with at_create; then_stop stops it again)
  {"op": "organization", "key": K}                               -> root id (caller = management)
  {"op": "ou", "key": K, "parent": "$root|$ou", "name": N}       -> OU id
  {"op": "org_account", "key": K, "name": N, "parent": "$ou", "tags": {...}, "email": E}
                                                                 -> account id (email: N@example.com
                                                                    when absent)
  {"op": "close_account", "target": "$account"}
Any op may name "account": "$account" to act in that account: its clients use the credentials
of an AssumeRole into the account (moto grants it).
The output is a JSON object of key -> id on stdout.
"""
import json
import re
import sys

import boto3


def main():
    endpoint = sys.argv[1]
    ops = json.load(sys.stdin)
    ids = {}

    def sub(v):
        if isinstance(v, str) and re.fullmatch(r"\$[\w.-]+", v, re.ASCII) and v[1:] in ids:
            return ids[v[1:]]
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v

    clients = {}
    sessions = {}

    def creds(account):
        if account is None:
            return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account not in sessions:
            c = client_for("sts", "us-east-1", None).assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                RoleSessionName="seed",
            )["Credentials"]
            sessions[account] = {
                "aws_access_key_id": c["AccessKeyId"],
                "aws_secret_access_key": c["SecretAccessKey"],
                "aws_session_token": c["SessionToken"],
            }
        return sessions[account]

    def client_for(service, region, account):
        k = (service, region, account)
        if k not in clients:
            clients[k] = boto3.client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                **creds(account),
            )
        return clients[k]

    def tag_spec(kind, tags):
        if not tags:
            return []
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]

    for raw in ops:
        op = sub(raw)
        region = op.get("region", "us-east-1")
        kind = op["op"]
        key = op.get("key")
        acting = op.get("account")

        def client(service, region, account=acting):
            return client_for(service, region, account)

        if kind == "vpc":
            ec2 = client("ec2", region)
            r = ec2.create_vpc(CidrBlock=op.get("cidr", "10.0.0.0/16"),
                               TagSpecifications=tag_spec("vpc", op.get("tags")))
            ids[key] = r["Vpc"]["VpcId"]
        elif kind == "vpcs":
            ec2 = client("ec2", region)
            for i in range(op["count"]):
                r = ec2.create_vpc(CidrBlock=f"10.{i % 250}.0.0/16",
                                   TagSpecifications=tag_spec("vpc", {"Name": f"{op['prefix']}{i}"}))
                ids[f"{op['prefix']}{i}"] = r["Vpc"]["VpcId"]
        elif kind == "subnet":
            ec2 = client("ec2", region)
            r = ec2.create_subnet(VpcId=op["vpc"], CidrBlock=op["cidr"],
                                  TagSpecifications=tag_spec("subnet", op.get("tags")))
            ids[key] = r["Subnet"]["SubnetId"]
        elif kind == "kms_key":
            r = client("kms", region).create_key(Description=key or "flowaudit test key")
            ids[key] = r["KeyMetadata"]["Arn"]
        elif kind == "log_group":
            logs = client("logs", region)
            args = {"logGroupName": op["name"]}
            if op.get("kms_key"):
                args["kmsKeyId"] = op["kms_key"]
            logs.create_log_group(**args)
            if op.get("retention"):
                logs.put_retention_policy(logGroupName=op["name"], retentionInDays=op["retention"])
            if key:
                ids[key] = op["name"]
        elif kind == "bucket":
            s3 = client("s3", region)
            args = {"Bucket": op["name"]}
            if region != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": region}
            s3.create_bucket(**args)
            enc = op.get("encryption")
            if enc:
                rule = {"SSEAlgorithm": enc}
                if enc == "aws:kms" and op.get("kms_key"):
                    rule["KMSMasterKeyID"] = op["kms_key"]
                s3.put_bucket_encryption(
                    Bucket=op["name"],
                    ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]},
                )
            if key:
                ids[key] = op["name"]
        elif kind == "role":
            iam = client("iam", region)
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
            r = iam.create_role(RoleName=op["name"], AssumeRolePolicyDocument=json.dumps(trust))
            ids[key] = r["Role"]["Arn"]
        elif kind == "flow_log":
            ec2 = client("ec2", region)
            res = op["resource"]
            rtype = ("VPC" if res.startswith("vpc-") else "Subnet" if res.startswith("subnet-")
                     else "TransitGatewayAttachment" if res.startswith("tgw-attach-")
                     else "TransitGateway" if res.startswith("tgw-") else "NetworkInterface")
            args = {"ResourceIds": [res], "ResourceType": rtype}
            if not rtype.startswith("TransitGateway"):
                args["TrafficType"] = op.get("traffic", "ALL")
            if "log_group" in op:
                args.update(LogDestinationType="cloud-watch-logs", LogGroupName=op["log_group"],
                            DeliverLogsPermissionArn=op["role"])
            elif "bucket" in op:
                args.update(LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{op['bucket']}")
            else:
                args.update(LogDestinationType=op["destination_type"], LogDestination=op["destination_arn"])
                if op.get("role"):
                    args["DeliverLogsPermissionArn"] = op["role"]
            if op.get("max_aggregation_interval"):
                args["MaxAggregationInterval"] = op["max_aggregation_interval"]
            if op.get("log_format"):
                args["LogFormat"] = op["log_format"]
            r = ec2.create_flow_logs(**args)
            if r.get("Unsuccessful"):
                raise SystemExit(f"create_flow_logs failed: {r['Unsuccessful']}")
            if key:
                ids[key] = r["FlowLogIds"][0]
        elif kind == "eni":
            r = client("ec2", region).create_network_interface(SubnetId=op["subnet"])
            ids[key] = r["NetworkInterface"]["NetworkInterfaceId"]
        elif kind == "tgw":
            r = client("ec2", region).create_transit_gateway(
                Description=op.get("description", ""),
                TagSpecifications=tag_spec("transit-gateway", op.get("tags")))
            ids[key] = r["TransitGateway"]["TransitGatewayId"]
        elif kind == "tgw_attachment":
            r = client("ec2", region).create_transit_gateway_vpc_attachment(
                TransitGatewayId=op["tgw"], VpcId=op["vpc"], SubnetIds=[op["subnet"]])
            ids[key] = r["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
        elif kind == "delivery_stream":
            fh = client("firehose", region)
            role = "arn:aws:iam::123456789012:role/firehose-delivery"
            # moto 5.2.5 answers CompressionFormat (required in S3DestinationDescription) only
            # when it was given, so it is given.
            s3 = {"RoleARN": role, "CompressionFormat": "UNCOMPRESSED"}
            args = {"DeliveryStreamName": op["name"], "DeliveryStreamType": "DirectPut"}
            if op.get("http_url"):
                args["HttpEndpointDestinationConfiguration"] = {
                    "EndpointConfiguration": {"Url": op["http_url"], "Name": op.get("http_name", "collector")},
                    "RoleARN": role,
                    "S3Configuration": {**s3, "BucketARN": f"arn:aws:s3:::{op.get('bucket', 'backup')}"},
                }
            else:
                args["ExtendedS3DestinationConfiguration"] = {
                    **s3, "BucketARN": f"arn:aws:s3:::{op.get('bucket', 'flow-archive')}"}
            enc = None
            if op.get("encryption"):
                enc = {"KeyType": op["encryption"]}
                if op.get("kms_key"):
                    enc["KeyARN"] = op["kms_key"]
            if enc and op.get("at_create"):
                args["DeliveryStreamEncryptionConfigurationInput"] = enc
            arn = fh.create_delivery_stream(**args)["DeliveryStreamARN"]
            if enc and not op.get("at_create"):
                fh.start_delivery_stream_encryption(
                    DeliveryStreamName=op["name"], DeliveryStreamEncryptionConfigurationInput=enc)
                if op.get("then_stop"):
                    fh.stop_delivery_stream_encryption(DeliveryStreamName=op["name"])
            if key:
                ids[key] = arn
        elif kind == "organization":
            org = client("organizations", "us-east-1")
            org.create_organization(FeatureSet="ALL")
            ids[key] = org.list_roots()["Roots"][0]["Id"]
        elif kind == "ou":
            r = client("organizations", "us-east-1").create_organizational_unit(
                ParentId=op["parent"], Name=op["name"])
            ids[key] = r["OrganizationalUnit"]["Id"]
        elif kind == "org_account":
            org = client("organizations", "us-east-1")
            args = {"Email": op.get("email", f"{op['name']}@example.com"), "AccountName": op["name"]}
            if op.get("tags"):
                args["Tags"] = [{"Key": k, "Value": v} for k, v in op["tags"].items()]
            account = org.create_account(**args)["CreateAccountStatus"]["AccountId"]
            if op.get("parent"):
                root = org.list_roots()["Roots"][0]["Id"]
                org.move_account(AccountId=account, SourceParentId=root,
                                 DestinationParentId=op["parent"])
            ids[key] = account
        elif kind == "close_account":
            client("organizations", "us-east-1").close_account(AccountId=op["target"])
        elif kind == "delete_log_group":
            client("logs", region).delete_log_group(logGroupName=op["name"])
        elif kind == "delete_flow_log":
            client("ec2", region).delete_flow_logs(FlowLogIds=[op["flow_log"]])
        elif kind == "delete_bucket":
            client("s3", region).delete_bucket(Bucket=op["name"])
        else:
            raise SystemExit(f"unknown op {kind!r}")
    json.dump(ids, sys.stdout)


if __name__ == "__main__":
    main()
