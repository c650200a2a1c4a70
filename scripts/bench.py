"""Benchmark flowaudit's collector against moto and compare it with the manual AWS CLI procedure.

Run through scripts/bench, which builds the binary and picks the Python environment.

  bench.py --bin PATH [--regions R] [--vpcs V]

Steps: start moto with its request recorder, seed R regions x V VPCs (flow logs on every other
VPC, alternating between one CloudWatch Logs group per region and a few shared S3 buckets), run
`flowaudit scan` once, measuring wall time and peak RSS, count the API calls moto recorded and
compare them with the lower bound, then run the manual audit procedure (for each region
describe-vpcs, then describe-flow-logs for each VPC) with the same calls the AWS CLI would make,
and print a Markdown table.
"""
import argparse
import base64
import json
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ca-central-1", "sa-east-1", "af-south-1",
]
BUCKETS = 4
PAGE = 1000  # MaxResults flowaudit asks for


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(service, region, endpoint, session=boto3, **credentials):
    credentials = credentials or dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(
        service, region_name=region, endpoint_url=endpoint, **credentials,
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )


def start_moto(venv_bin, workdir, server=None, record=True):
    """Start moto, with its request recorder unless `record` is false; `server(port)` gives
    another command line that serves moto on that port. Returns (process, endpoint, recording path)."""
    port = free_port()
    recording = os.path.join(workdir, "recording.jsonl")
    open(recording, "w").close()
    env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=recording) if record else os.environ
    cmd = server(port) if server else [os.path.join(venv_bin, "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        cmd,
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "moto.log"), "w"),
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=1)
            return proc, endpoint, recording
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto_server did not start")


def reset_recording(endpoint):
    req = urllib.request.Request(endpoint + "/moto-api/recorder/reset-recording", method="POST", data=b"")
    urllib.request.urlopen(req)


def seed(endpoint, regions, vpcs):
    iam = client("iam", "us-east-1", endpoint)
    role = iam.create_role(
        RoleName="bench-flow-logs",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    s3 = client("s3", "us-east-1", endpoint)
    buckets = [f"bench-flow-logs-{i}" for i in range(BUCKETS)]
    for i, b in enumerate(buckets):
        s3.create_bucket(Bucket=b)
        if i % 2 == 0:
            s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    for r in regions:
        ec2 = client("ec2", r, endpoint)
        client("logs", r, endpoint).create_log_group(logGroupName="/bench/flow-logs")
        for i in range(vpcs):
            vpc = ec2.create_vpc(CidrBlock=f"10.{i % 250}.0.0/16")["Vpc"]["VpcId"]
            if i % 2:
                continue
            if (i // 2) % 2 == 0:
                args = dict(LogDestinationType="cloud-watch-logs", LogGroupName="/bench/flow-logs",
                            DeliverLogsPermissionArn=role)
            else:
                args = dict(LogDestinationType="s3",
                            LogDestination=f"arn:aws:s3:::{buckets[(i // 4) % BUCKETS]}")
            ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", **args)
        print(f"  seeded {r}", file=sys.stderr)


def operation(method, url, headers, body):
    """The API operation of one request: the query `Action`, the JSON `X-Amz-Target`, or the S3
    request. `headers` has lower-case names."""
    if "Action=" in body:
        op = dict(kv.split("=", 1) for kv in body.split("&") if "=" in kv).get("Action")
        if op:
            return op
    if "x-amz-target" in headers:
        return headers["x-amz-target"].rsplit(".", 1)[-1]
    if "?encryption" in url:
        return "GetBucketEncryption"
    if "x-id=" in url:
        return url.split("x-id=", 1)[1].split("&", 1)[0]
    return method + " " + url


def count_calls(recording):
    n = 0
    ops = {}
    with open(recording) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            body = rec.get("body") or ""
            if rec.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            headers = {k.lower(): v for k, v in (rec.get("headers") or {}).items()}
            op = operation(rec.get("method", ""), rec.get("url", ""), headers, body)
            ops[op] = ops.get(op, 0) + 1
            n += 1
    return n, ops


def measure(cmd, env=None):
    """Run cmd; return (process, wall seconds, peak RSS in KiB). GNU time gives the peak RSS of the
    command alone; without it, rusage also counts the interpreter image forked before exec."""
    gnu_time = "/usr/bin/time"
    timed = os.path.exists(gnu_time)
    full = [gnu_time, "-v"] + cmd if timed else cmd
    start = time.monotonic()
    proc = subprocess.run(full, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if timed:
        for line in proc.stderr.decode(errors="replace").splitlines():
            if "Maximum resident set size" in line:
                peak_kb = int(line.rsplit(":", 1)[1])
    return proc, wall, peak_kb


def lower_bound(inv):
    n = 2  # GetCallerIdentity + DescribeRegions
    buckets = set()
    for r in inv["regions"]:
        n += region_lower_bound(r, buckets)
    return n + len(buckets) + len(streams_read(inv))


def streams_read(inv, accounts=None):
    """The Firehose delivery streams the flow logs of an inventory name that a scan reads, one
    DescribeDeliveryStream each: (account, region, name) of each distinct stream whose account
    is scanned (`accounts`; by default the inventory's own account)."""
    accounts = accounts if accounts is not None else {inv["scan"]["account_id"]}
    out = set()
    for r in inv["regions"]:
        logs = list(r.get("other_flow_logs", []))
        for v in r["vpcs"]:
            logs += v["flow_logs"]
            for s in v["subnets"]:
                logs += s["flow_logs"]
        for l in logs:
            arn = l.get("destination_arn") or ""
            parts = arn.split(":", 5)
            if (l["destination_type"] == "kinesis-data-firehose" and len(parts) == 6
                    and parts[2] == "firehose" and parts[5].startswith("deliverystream/")
                    and parts[4] in accounts):
                out.add((parts[4], parts[3], parts[5].split("/", 1)[1]))
    return out


def region_lower_bound(r, buckets):
    """The fewest calls that read one region of an inventory: the five listings (pages of PAGE),
    the listing of transit gateway attachments where a flow log names an attachment, and the log
    group lookups (50 names a call). Adds the S3 buckets its flow logs name to `buckets`, each
    read once for the whole scan."""
    n = 0
    vpcs = r["vpcs"]
    subnets = sum(len(v["subnets"]) for v in vpcs)
    logs = []
    groups = set()
    for v in vpcs:
        logs += v["flow_logs"]
        for s in v["subnets"]:
            logs += s["flow_logs"]
    logs += r.get("other_flow_logs", [])
    tgws = r.get("transit_gateways", [])
    for t in tgws:
        logs += t.get("flow_logs", []) + t.get("attachment_flow_logs", [])
    for l in logs:
        if l["destination_type"] == "cloud-watch-logs" and l.get("log_group_name"):
            groups.add(l["log_group_name"])
        if l["destination_type"] == "s3" and l.get("destination_arn"):
            buckets.add(l["destination_arn"].split(":::", 1)[-1].split("/")[0])
    enis = sum(v.get("network_interfaces") or 0 for v in vpcs)
    n += sum(max(1, math.ceil(c / PAGE)) for c in (len(vpcs), subnets, len(logs), enis, len(tgws)))
    if any(l.get("resource_type") == "transit_gateway_attachment" for l in logs):
        n += 1  # DescribeTransitGatewayAttachments (one page for fewer than PAGE attachments)
    n += math.ceil(len(groups) / 50)
    return n


def reference(endpoint, regions):
    """The manual procedure: describe-vpcs per region, then describe-flow-logs per VPC."""
    calls = 0
    vpcs_seen = 0
    start = time.monotonic()
    for r in regions:
        ec2 = client("ec2", r, endpoint)
        ids = []
        token = None
        while True:
            kw = {"NextToken": token} if token else {}
            page = ec2.describe_vpcs(**kw)
            calls += 1
            ids += [v["VpcId"] for v in page["Vpcs"]]
            token = page.get("NextToken")
            if not token:
                break
        for vid in ids:
            ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vid]}])
            calls += 1
        vpcs_seen += len(ids)
    return calls, time.monotonic() - start, vpcs_seen



def start_delay_proxy(upstream_port, latency_s):
    """A loopback TCP proxy that holds every chunk a client sends for `latency_s` before passing it
    on, so each request costs one simulated network round trip. Returns the proxy's endpoint."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)

    def pump(src, dst, delay):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve():
        while True:
            conn, _ = listener.accept()
            up = socket.create_connection(("127.0.0.1", upstream_port))
            threading.Thread(target=pump, args=(conn, up, latency_s), daemon=True).start()
            threading.Thread(target=pump, args=(up, conn, 0), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--regions", type=int, default=16)
    ap.add_argument("--vpcs", type=int, default=200)
    ap.add_argument("--label", default="release build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency-ms", type=float, default=0.0,
                    help="simulated round trip added to every request by a delaying proxy")
    args = ap.parse_args()
    if not 1 <= args.regions <= len(REGIONS):
        sys.exit(f"--regions must be between 1 and {len(REGIONS)}")
    regions = REGIONS[: args.regions]
    venv_bin = os.path.dirname(sys.executable)
    work = tempfile.mkdtemp(prefix="flowaudit-bench-")
    moto, endpoint, recording = start_moto(venv_bin, work)
    try:
        print(f"seeding {args.regions} regions x {args.vpcs} VPCs ...", file=sys.stderr)
        t = time.monotonic()
        seed(endpoint, regions, args.vpcs)
        print(f"seeded in {time.monotonic() - t:.0f} s", file=sys.stderr)

        # Seeding and recorder control talk to moto directly; the measured procedures go through
        # the delaying proxy when a latency is asked for.
        seeded_endpoint = endpoint
        if args.latency_ms > 0:
            endpoint = start_delay_proxy(int(seeded_endpoint.rsplit(":", 1)[1]), args.latency_ms / 1000)
        inv_path = os.path.join(work, "inventory.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
                   AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        cmd = [args.bin, "-q", "scan", "--endpoint-url", endpoint, "--region", ",".join(regions),
               "--dump-inventory", inv_path, "--output", os.path.join(work, "out")]
        # One warm-up run (moto builds some backends lazily), then the measured runs: median wall
        # time, highest peak RSS, calls of the last run.
        walls, peaks = [], []
        for i in range(args.runs + 1):
            reset_recording(seeded_endpoint)
            proc, wall, peak_kb = measure(cmd, env)
            if proc.returncode not in (0, 1):
                sys.exit(f"flowaudit exited {proc.returncode}: {proc.stderr.decode()}")
            if i > 0:
                walls.append(wall)
                peaks.append(peak_kb)
        wall = sorted(walls)[len(walls) // 2]
        peak_kb = max(peaks)
        with open(inv_path) as f:
            inv = json.load(f)
        calls, ops = count_calls(recording)
        bound = lower_bound(inv)
        vpcs = sum(len(r["vpcs"]) for r in inv["regions"])
        logs = sum(len(v["flow_logs"]) for r in inv["regions"] for v in r["vpcs"])

        ref_walls = []
        for _ in range(args.runs):
            reset_recording(seeded_endpoint)
            ref_calls, ref_wall, ref_vpcs = reference(endpoint, regions)
            ref_walls.append(ref_wall)
        ref_wall = sorted(ref_walls)[len(ref_walls) // 2]
        ref_recorded, _ = count_calls(recording)
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.regions} regions x {args.vpcs} VPCs ({vpcs} VPCs with the default ones, "
          f"{logs} VPC flow logs); flowaudit: {args.label}; moto 5.2.5 on loopback"
          f"{f' behind a {args.latency_ms:g} ms delaying proxy' if args.latency_ms else ''}; "
          f"median of {args.runs} runs\n")
    print("| procedure | wall time | peak RSS | API calls | lower bound |")
    print("|---|---:|---:|---:|---:|")
    print(f"| `flowaudit scan` | {wall:.2f} s | {peak_kb / 1024:.1f} MiB | {calls} | {bound} |")
    print(f"| manual AWS CLI procedure (describe-vpcs per region, describe-flow-logs per VPC) "
          f"| {ref_wall:.2f} s | — | {ref_recorded} | — |")
    print(f"\nflowaudit calls by operation: {json.dumps(dict(sorted(ops.items())))}")
    if ref_vpcs != vpcs:
        print(f"warning: the manual procedure saw {ref_vpcs} VPCs, flowaudit {vpcs}", file=sys.stderr)
    if calls != bound:
        print(f"note: {calls - bound} calls above the lower bound", file=sys.stderr)


if __name__ == "__main__":
    main()
