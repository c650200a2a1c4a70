#!/usr/bin/env python3
"""Write a deterministic organization inventory (`flowaudit/inventory/v1` with `accounts[]`).

    scripts/gen-org-inventory.py [--accounts N] [--vpcs M] [--output FILE]

N accounts (default 7) with M VPCs each (default 3), spread over two regions per account. The
first account is the management account, scanned with the caller's credentials; the others sit in
two OUs (Workloads/Prod and Workloads/Dev, every fifth one in Security). With N >= 5, account 3 is
SUSPENDED (listed, not scanned) and account 4 refused the role (an account-wide AssumeRole error
entry, no region entries); with N >= 3, account 2 cannot list the VPCs of one region (an SCP
denies it). The VPCs cycle through a compliant one and several failing ones, so every account
has passing and failing results. The same arguments always give the same bytes.

`tests/fixtures/org-inventory.json` is the output with the defaults:

    scripts/gen-org-inventory.py --output tests/fixtures/org-inventory.json

The HTML scale measurement uses 500 accounts x 50 VPCs:

    scripts/gen-org-inventory.py --accounts 500 --vpcs 50 --output /tmp/org-25k.json
"""

import argparse
import json
import sys

REGION_PAIRS = [
    ("us-east-1", "eu-west-1"),
    ("eu-west-1", "ap-southeast-2"),
    ("us-east-1", "us-west-2"),
    ("eu-central-1", "eu-west-1"),
]
OUS = {
    "workloads": {"id": "ou-a1b2-w0rk10ad", "name": "Workloads"},
    "prod": {"id": "ou-a1b2-pr0d0001", "name": "Prod"},
    "dev": {"id": "ou-a1b2-dev00001", "name": "Dev"},
    "security": {"id": "ou-a1b2-secur1ty", "name": "Security"},
}
SUSPENDED = 3
REFUSED = 4
UNLISTED = 2


def account_id(a):
    return f"{210000000000 + a * 1011:012d}"


def ou_path(a):
    if a == 0:
        return []
    if a % 5 == 0:
        return [OUS["security"]]
    return [OUS["workloads"], OUS["prod" if a % 2 else "dev"]]


def account(a, n):
    aid = account_id(a)
    path = ou_path(a)
    env = "prod" if path and path[-1]["name"] == "Prod" else ("shared" if a % 5 == 0 or a == 0 else "dev")
    entry = {
        "id": aid,
        "name": "management" if a == 0 else f"{env}-workload-{a:03d}",
        "email": f"aws+{a:03d}@example.com",
        "status": "ACTIVE",
        "ou_path": path,
        "tags": {"cost-center": f"cc-{100 + a % 7}", "env": env},
        "role_arn": None if a == 0 else f"arn:aws:iam::{aid}:role/OrganizationAccountAccessRole",
        "scanned": True,
        "skip_reason": None,
    }
    if n >= 5 and a == SUSPENDED:
        entry["status"] = "SUSPENDED"
        entry["scanned"] = False
        entry["role_arn"] = None
        entry["skip_reason"] = "account status is SUSPENDED: only ACTIVE accounts are scanned"
    return entry


def flow_log(aid, region, vpc_id, n, variant):
    """A VPC-level flow log; `variant` picks what is wrong with it."""
    log_group = f"/vpc/flowlogs-{vpc_id[-6:]}"
    fl = {
        "id": f"fl-{n:017x}",
        "resource_id": vpc_id,
        "resource_type": "vpc",
        "status": "ACTIVE",
        "traffic_type": "ALL",
        "destination_type": "cloud-watch-logs",
        "destination_arn": f"arn:aws:logs:{region}:{aid}:log-group:{log_group}",
        "log_group_name": log_group,
        "deliver_logs_status": "SUCCESS",
        "deliver_logs_permission_arn": f"arn:aws:iam::{aid}:role/flow-logs-delivery",
        "max_aggregation_interval": 60,
        "destination": {
            "name": log_group,
            "region": region,
            "exists": "yes",
            "encryption": "kms",
            "kms_key_id": f"arn:aws:kms:{region}:{aid}:key/0000aaaa-1111-2222-3333-444455556666",
            "retention_days": 365,
        },
    }
    if variant == "reject-only":
        fl["traffic_type"] = "REJECT"
    elif variant == "plain-log-group":
        fl["destination"]["encryption"] = "none"
        del fl["destination"]["kms_key_id"]
        fl["destination"]["retention_days"] = 30
    elif variant == "broken-delivery":
        fl["deliver_logs_status"] = "FAILED"
        fl["deliver_logs_error_message"] = "Access error"
        fl["max_aggregation_interval"] = 600
    return fl


# Compliant twice as often as each failing kind.
VARIANTS = ["compliant", "no-logs", "compliant", "reject-only", "plain-log-group", "broken-delivery"]


def vpc(aid, region, a, j):
    vpc_id = f"vpc-{a:08x}{j:09x}"
    variant = VARIANTS[(2 * a + j) % len(VARIANTS)]
    name = f"{variant}-{j:02d}"
    v = {
        "id": vpc_id,
        "arn": f"arn:aws:ec2:{region}:{aid}:vpc/{vpc_id}",
        "name": name,
        "tags": {"Name": name},
        "is_default": False,
        "owner_id": aid,
        "shared": False,
        "cidr_block": f"10.{j % 256}.0.0/16",
        "state": "available",
        "subnets": [],
        "flow_logs": [],
    }
    if variant != "no-logs":
        v["flow_logs"].append(flow_log(aid, region, vpc_id, a * 100000 + j, variant))
    return v


def inventory(n, m):
    accounts = [account(a, n) for a in range(n)]
    regions = []
    errors = []
    scanned_regions = set()
    for a, acc in enumerate(accounts):
        if not acc["scanned"]:
            continue
        aid = acc["id"]
        pair = REGION_PAIRS[a % len(REGION_PAIRS)]
        scanned_regions.update(pair)
        if n >= 5 and a == REFUSED:
            errors.append({
                "account_id": aid,
                "region": None,
                "service": "sts",
                "operation": "AssumeRole",
                "code": "AccessDenied",
                "message": f"User: arn:aws:iam::{account_id(0)}:user/auditor is not authorized to perform: "
                           f"sts:AssumeRole on resource: {acc['role_arn']}",
            })
            continue
        for k, region in enumerate(pair):
            if a == UNLISTED and k == 1:
                errors.append({
                    "account_id": aid,
                    "region": region,
                    "service": "ec2",
                    "operation": "DescribeVpcs",
                    "code": "UnauthorizedOperation",
                    "message": "You are not authorized to perform this operation: explicit deny in a service control policy",
                })
                continue
            # The VPCs of an account are split over its two regions (the first gets the odd one).
            lo = 0 if k == 0 else (m + 1) // 2
            hi = (m + 1) // 2 if k == 0 else m
            regions.append({
                "account_id": aid,
                "region": region,
                "vpcs": [vpc(aid, region, a, j) for j in range(lo, hi)],
            })
    return {
        "schema": "flowaudit/inventory/v1",
        "scan": {
            "tool_version": "0.1.0",
            "started_at": "2026-11-30T06:00:00Z",
            "finished_at": "2026-11-30T06:03:12Z",
            "account_id": account_id(0),
            "regions_requested": [],
            "regions_scanned": sorted(scanned_regions),
        },
        "regions": regions,
        "errors": errors,
        "accounts": accounts,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=7)
    p.add_argument("--vpcs", type=int, default=3, help="VPCs per scanned account")
    p.add_argument("--output", help="file to write (default: standard output)")
    args = p.parse_args()
    if args.accounts < 1 or args.vpcs < 0:
        p.error("--accounts must be at least 1 and --vpcs at least 0")
    text = json.dumps(inventory(args.accounts, args.vpcs), indent=2) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
