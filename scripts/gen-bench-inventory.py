"""Generate a flowaudit inventory of N VPCs for the benchmarks (scripts/bench-rules, bench-merge).

  gen-bench-inventory.py N PATH [ACCOUNT_ID] [REGION,...]

Five regions, two subnets per VPC, and a mix of flow-log set-ups repeating every six VPCs:
compliant, REJECT-only, unencrypted with short retention, failing delivery, S3, none.
"""
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
acct = sys.argv[3] if len(sys.argv) > 3 else "123456789012"
regions = (sys.argv[4].split(",") if len(sys.argv) > 4
           else ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"])
def log(i, res, rtype, region, kind):
    d = {"name": f"/vpc/flow-{i}", "region": region, "exists": "yes", "encryption": "kms",
         "kms_key_id": f"arn:aws:kms:{region}:{acct}:key/k{i % 7}", "retention_days": 365}
    l = {"id": f"fl-{i:017x}", "resource_id": res, "resource_type": rtype, "status": "ACTIVE",
         "traffic_type": "ALL", "destination_type": "cloud-watch-logs", "log_group_name": d["name"],
         "destination_arn": f"arn:aws:logs:{region}:{acct}:log-group:{d['name']}",
         "deliver_logs_status": "SUCCESS", "max_aggregation_interval": 60, "destination": d}
    if kind == 1: l["traffic_type"] = "REJECT"
    if kind == 2: d["encryption"] = "none"; d.pop("kms_key_id"); d["retention_days"] = 30
    if kind == 3: l["deliver_logs_status"] = "FAILED"; l["deliver_logs_error_message"] = "Access error"
    if kind == 4:
        l["destination_type"] = "s3"; l.pop("log_group_name"); l["destination_arn"] = f"arn:aws:s3:::bucket-{i}"
        d.update(name=f"bucket-{i}", encryption="aws_managed"); d.pop("kms_key_id"); d.pop("retention_days")
    return l
per = {r: [] for r in regions}
for i in range(n):
    region = regions[i % len(regions)]
    vid = f"vpc-{i:017x}"
    kind = i % 6
    subnets = [{"id": f"subnet-{i:011x}{s:06x}", "arn": f"arn:aws:ec2:{region}:{acct}:subnet/subnet-{i:011x}{s:06x}",
                "cidr_block": f"10.{i % 250}.{s}.0/24", "state": "available", "flow_logs": []} for s in range(2)]
    logs = [] if kind == 5 else [log(i, vid, "vpc", region, kind)]
    per[region].append({"id": vid, "arn": f"arn:aws:ec2:{region}:{acct}:vpc/{vid}", "name": f"bench-{i}",
                        "tags": {"Name": f"bench-{i}", "env": "bench"}, "is_default": False, "owner_id": acct,
                        "shared": False, "cidr_block": f"10.{i % 250}.0.0/16", "state": "available",
                        "subnets": subnets, "flow_logs": logs})
inv = {"schema": "flowaudit/inventory/v1",
       "scan": {"tool_version": "bench", "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:01:00Z",
                "account_id": acct, "regions_requested": [], "regions_scanned": regions},
       "regions": [{"account_id": acct, "region": r, "vpcs": v} for r, v in per.items()], "errors": []}
json.dump(inv, open(path, "w"))
