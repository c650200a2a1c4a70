"""Seed a moto server with AWS resources described as JSON, and print the ids it created.

Usage: seed.py ENDPOINT < ops.json

ops.json is a list of operations, applied in order. Every op has "op" and "region"; an op with a
"key" records the id it created under that key, and any string value "$key" in a later op is
replaced by that id. Ops:
  {"op": "vpc", "key": K, "cidr": "10.0.0.0/16", "tags": {...}}
  {"op": "subnet", "key": K, "vpc": "$vpc", "cidr": "10.0.1.0/24", "tags": {...}}
  {"op": "kms_key", "key": K}                                  -> key ARN
  {"op": "log_group", "name": N, "kms_key": "$k" | null, "retention": days | null}
  {"op": "bucket", "name": N, "encryption": "AES256" | "aws:kms" | null}
  {"op": "role", "key": K, "name": N}                          -> role ARN (flow-log delivery role)
  {"op": "flow_log", "key": K, "resource": "$vpc|$subnet", "traffic": "ALL|ACCEPT|REJECT",
   "log_group": N, "role": "$role"}  or  {..., "bucket": N}  or {..., "destination_arn": ARN, "destination_type": T}
  {"op": "vpcs", "count": N, "prefix": P, "cidr_base": 10}     -> N VPCs, keys P0..P(N-1)
  {"op": "delete_log_group", "name": N}   {"op": "delete_bucket", "name": N}
  {"op": "eni", "key": K, "subnet": "$subnet"}                  -> network interface id
The output is a JSON object of key -> id on stdout.
"""
import json
import sys

import boto3


def main():
    endpoint = sys.argv[1]
    ops = json.load(sys.stdin)
    ids = {}

    def sub(v):
        if isinstance(v, str) and v.startswith("$"):
            return ids[v[1:]]
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v

    clients = {}

    def client(service, region):
        k = (service, region)
        if k not in clients:
            clients[k] = boto3.client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
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
            rtype = "VPC" if res.startswith("vpc-") else "Subnet" if res.startswith("subnet-") else "NetworkInterface"
            args = {"ResourceIds": [res], "ResourceType": rtype, "TrafficType": op.get("traffic", "ALL")}
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
            r = ec2.create_flow_logs(**args)
            if r.get("Unsuccessful"):
                raise SystemExit(f"create_flow_logs failed: {r['Unsuccessful']}")
            if key:
                ids[key] = r["FlowLogIds"][0]
        elif kind == "eni":
            r = client("ec2", region).create_network_interface(SubnetId=op["subnet"])
            ids[key] = r["NetworkInterface"]["NetworkInterfaceId"]
        elif kind == "delete_log_group":
            client("logs", region).delete_log_group(logGroupName=op["name"])
        elif kind == "delete_bucket":
            client("s3", region).delete_bucket(Bucket=op["name"])
        else:
            raise SystemExit(f"unknown op {kind!r}")
    json.dump(ids, sys.stdout)


if __name__ == "__main__":
    main()
