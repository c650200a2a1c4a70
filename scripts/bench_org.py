"""Benchmark an organization scan (`flowaudit scan --org`) against moto.

Run through scripts/bench-org, which picks the binary and the Python environment.

  bench_org.py --bin PATH [--accounts N] [--regions R] [--vpcs V] [--latency-ms MS]

Steps: start moto behind a WSGI wrapper that times every request it serves and names its
operation; seed an organization (OUs Security, Workloads/Prod, Workloads/Dev), a log-archive
account in Security owning the central flow-log bucket, and N member accounts (half in Prod,
half in Dev, each tagged) with V VPCs in each of R regions: the first VPC logs to the central
bucket, the second to a CloudWatch Logs group of the account, the others have no flow log. Then
run `flowaudit scan --org` behind the delaying proxy (one warm-up run, then the measured runs)
and print a Markdown table: wall time, peak RSS and CPU time of flowaudit, the API calls moto
served next to the lower bound, moto's busy time (the time during which it was serving at least
one request; wall / busy near 1 means the scan keeps the emulator saturated) and its CPU time;
then when each operation was first and last served (the phases of the scan), and an
extrapolation of calls and times to more regions from the measured per-call costs.
`--also ARGS` measures further flowaudit configurations on the same seeded moto.
"""
import argparse
import io
import json
import math
import os
import shlex
import sys
import tempfile
import shutil
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (scripts/bench.py: moto, proxy, measuring, per-region lower bound)

CENTRAL_BUCKET = "org-central-flow-logs"
LOG_GROUP = "/org/vpc-flow-logs"
ORG_PAGE = 20  # MaxResults flowaudit asks of Organizations
REGION_OPS = {"DescribeVpcs", "DescribeSubnets", "DescribeFlowLogs", "DescribeLogGroups",
              "DescribeTransitGateways", "DescribeTransitGatewayAttachments"}


# --- moto, timed ---------------------------------------------------------------------------

class Timed:
    """WSGI wrapper around moto: records, per request, when moto started and finished serving it
    and its operation. GET /__bench/busy answers the figures since the last GET /__bench/reset."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.spans = []
            self.ops = {}
            self.open = 0
            self.peak = 0
            self.cpu = time.process_time()

    def figures(self):
        with self.lock:
            spans = sorted(self.spans)
            ops = {k: list(v) for k, v in self.ops.items()}
            peak = self.peak
        busy, end = 0.0, None
        first = spans[0][0] if spans else 0.0
        last = 0.0
        for a, b in spans:
            if end is None or a > end:
                busy += b - a
                end = b
            elif b > end:
                busy += b - end
                end = b
            last = max(last, b)
        # Per operation: count, summed service time, first start and last end (from the first
        # request on), which show the phases of a scan.
        for v in ops.values():
            v[2] -= first
            v[3] -= first
        return {"busy": busy, "span": last - first, "sum": sum(b - a for a, b in spans),
                "calls": len(spans), "peak_open": peak, "ops": ops,
                "moto_cpu": time.process_time() - self.cpu}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__bench/"):
            if path == "/__bench/reset":
                self.reset()
                out = b"{}"
            else:
                out = json.dumps(self.figures()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [out]
        start = time.perf_counter()
        op = "?"
        with self.lock:
            self.open += 1
            self.peak = max(self.peak, self.open)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            query = environ.get("QUERY_STRING", "")
            op = bench.operation(environ.get("REQUEST_METHOD", ""), path + ("?" + query if query else ""),
                                 headers, body.decode("utf-8", "replace") + "&" + query)
            result = self.app(environ, start_response)
            try:
                out = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            return [out]
        finally:
            end = time.perf_counter()
            with self.lock:
                self.open -= 1
                self.spans.append((start, end))
                entry = self.ops.setdefault(op, [0, 0.0, start, end])
                entry[0] += 1
                entry[1] += end - start
                entry[2] = min(entry[2], start)
                entry[3] = max(entry[3], end)


def serve_moto(port):
    """moto_server's own set-up, with the Timed wrapper around the application."""
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    os.environ.setdefault("MOTO_PORT", str(port))
    # Every new (account, region) would otherwise load moto's catalogue of public AMIs, which
    # no scan reads: seconds per account.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, Timed(app), threaded=True, request_handler=MotoRequestHandler)


def bench_get(endpoint, what):
    with urllib.request.urlopen(f"{endpoint}/__bench/{what}") as r:
        return json.load(r)


# --- seeding -------------------------------------------------------------------------------

class Seeder:
    """Creates resources in any account through one set of clients per thread, naming the
    account with moto's `x-moto-account-id` header (moto's own multi-account switch)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.local = threading.local()

    def client(self, service, region, account):
        local = self.local
        if not hasattr(local, "clients"):
            import boto3
            local.session = boto3.session.Session()
            local.clients = {}
        key = (service, region)
        if key not in local.clients:
            c = bench.client(service, region, self.endpoint, session=local.session)
            c.meta.events.register("before-sign.*.*", self._header)
            local.clients[key] = c
        local.account = account
        return local.clients[key]

    def _header(self, request, **_):
        request.headers["x-moto-account-id"] = self.local.account


def seed_org(endpoint, members, regions, vpcs, workers):
    """Returns the organization's shape: {parent id: (child OU ids, account ids)}, and the ids of
    the management and log-archive accounts."""
    started = time.monotonic()
    org = bench.client("organizations", "us-east-1", endpoint)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    mgmt = org.describe_organization()["Organization"]["MasterAccountId"]
    tree = {root: ([], [mgmt])}

    def ou(name, parent):
        i = org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
        tree[parent][0].append(i)
        tree[i] = ([], [])
        return i

    security = ou("Security", root)
    workloads = ou("Workloads", root)
    prod, dev = ou("Prod", workloads), ou("Dev", workloads)

    def account(name, parent, tags):
        a = org.create_account(Email=f"{name}@example.com", AccountName=name,
                               Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        a = a["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=a, SourceParentId=root, DestinationParentId=parent)
        tree[parent][1].append(a)
        return a

    archive = account("log-archive", security, {"team": "security"})
    # The central bucket is created with the log-archive account's own role session, as a real
    # landing zone does.
    c = bench.client("sts", "us-east-1", endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{archive}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
    s3 = bench.client("s3", "us-east-1", endpoint, aws_access_key_id=c["AccessKeyId"],
                      aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    s3.create_bucket(Bucket=CENTRAL_BUCKET)
    s3.put_bucket_encryption(Bucket=CENTRAL_BUCKET, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})

    ids = [account(f"member-{i:04d}", prod if i % 2 == 0 else dev,
                   {"team": f"team-{i % 10}", "env": "prod" if i % 2 == 0 else "dev"})
           for i in range(members)]
    print(f"  organization: {members + 2} accounts ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    seeder = Seeder(endpoint)

    def member(a):
        # The delivery role is only named: creating it would make moto build the account's IAM
        # (every AWS managed policy), seconds per account, and no scan reads it.
        role = f"arn:aws:iam::{a}:role/flow-logs-delivery"
        for r in regions:
            seeder.client("logs", r, a).create_log_group(logGroupName=LOG_GROUP)
            ec2 = seeder.client("ec2", r, a)
            made = [ec2.create_vpc(CidrBlock=f"10.{i % 250}.0.0/16")["Vpc"]["VpcId"] for i in range(vpcs)]
            for i, v in enumerate(made[:2]):
                dest = (dict(LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{CENTRAL_BUCKET}")
                        if i == 0 else
                        dict(LogDestinationType="cloud-watch-logs", LogGroupName=LOG_GROUP,
                             DeliverLogsPermissionArn=role))
                out = seeder.client("ec2", r, a).create_flow_logs(
                    ResourceIds=[v], ResourceType="VPC", TrafficType="ALL", **dest)
                if out.get("Unsuccessful"):
                    raise SystemExit(f"create_flow_logs failed in {a}: {out['Unsuccessful']}")

    done = 0
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(member, ids):
            done += 1
            if done % 100 == 0:
                print(f"  seeded {done} member accounts", file=sys.stderr)
    return tree, mgmt, archive


# --- the lower bound -----------------------------------------------------------------------

def pages(n, size):
    return max(1, math.ceil(n / size))


def lower_bound(tree, inv):
    """The fewest calls an organization scan can make, by kind. Organization part from the seeded
    shape; the rest from the inventory flowaudit wrote (what there was to read)."""
    accounts = [a for a in inv["accounts"]]
    scanned = [a for a in accounts if a.get("scanned", True)]
    self_id = inv["scan"]["account_id"]
    buckets = set()
    region_calls = sum(bench.region_lower_bound(r, buckets) for r in inv["regions"])
    parts = {
        "GetCallerIdentity": 1,
        "ListAccounts": pages(sum(len(accts) for _, accts in tree.values()), ORG_PAGE),
        "OU tree": 1 + sum(pages(len(ous), ORG_PAGE) + pages(len(accts), ORG_PAGE)
                           for ous, accts in tree.values()),
        "ListTagsForResource": len(accounts),
        "AssumeRole": sum(1 for a in scanned if a["id"] != self_id),
        "ListBuckets": len(scanned),
        "DescribeRegions": len(scanned),
        "region listings and log groups": region_calls,
        "GetBucketEncryption": len(buckets),
        "DescribeDeliveryStream": len(bench.streams_read(inv, {a["id"] for a in scanned})),
    }
    return sum(parts.values()), parts


def first_listing(fig):
    """When the first region listing (DescribeVpcs) reached moto, from the scan's first request."""
    v = fig["ops"].get("DescribeVpcs")
    return "—" if not v else f"{v[2]:.1f} s"


def cpu_seconds(time_output):
    """User + system CPU seconds from GNU time's -v report (None without it)."""
    found = [float(line.rsplit(":", 1)[1]) for line in time_output.splitlines()
             if line.strip().startswith(("User time", "System time"))]
    return sum(found) if found else None


# --- main ----------------------------------------------------------------------------------

def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-moto":
        serve_moto(int(sys.argv[2]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--accounts", type=int, default=100, help="member accounts besides the management and log-archive accounts")
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--vpcs", type=int, default=3, help="VPCs per member account and region (besides the default VPC)")
    ap.add_argument("--label", default="release build")
    ap.add_argument("--runs", type=int, default=1, help="measured runs after one warm-up")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--seed-workers", type=int, default=4)
    ap.add_argument("--extrapolate-regions", type=int, default=17)
    ap.add_argument("--flowaudit-arg", action="append", default=[],
                    help="extra argument for flowaudit scan (repeatable), e.g. --flowaudit-arg=--account-concurrency=32")
    ap.add_argument("--also", action="append", default=[], metavar="ARGS",
                    help="measure another configuration on the same seed: flowaudit scan arguments as one "
                         "string (repeatable), e.g. --also '--account-concurrency 32'")
    args = ap.parse_args()
    if not 1 <= args.regions <= len(bench.REGIONS):
        sys.exit(f"--regions must be between 1 and {len(bench.REGIONS)}")
    if args.vpcs < 2:
        sys.exit("--vpcs must be at least 2")
    regions = bench.REGIONS[: args.regions]
    venv_bin = os.path.dirname(sys.executable)
    work = tempfile.mkdtemp(prefix="flowaudit-bench-org-")
    me = os.path.abspath(__file__)
    moto, endpoint, _ = bench.start_moto(venv_bin, work, server=lambda port: [sys.executable, me, "--serve-moto", str(port)],
                                         record=False)
    try:
        print(f"seeding {args.accounts} member accounts x {args.regions} regions x {args.vpcs} VPCs ...", file=sys.stderr)
        t = time.monotonic()
        tree, mgmt, archive = seed_org(endpoint, args.accounts, regions, args.vpcs, args.seed_workers)
        seed_s = time.monotonic() - t
        print(f"seeded in {seed_s:.0f} s", file=sys.stderr)

        scan_endpoint = endpoint
        if args.latency_ms > 0:
            scan_endpoint = bench.start_delay_proxy(int(endpoint.rsplit(":", 1)[1]), args.latency_ms / 1000)
        inv_path = os.path.join(work, "inventory.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
                   AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        base = [args.bin, "-q", "scan", "--org", "--endpoint-url", scan_endpoint, "--region", ",".join(regions),
                "--dump-inventory", inv_path, "--output", os.path.join(work, "out")]
        configs = [args.flowaudit_arg] + [shlex.split(x) for x in args.also]
        results = []
        for c, extra in enumerate(configs):
            runs = []
            # One warm-up run (moto builds some backends on first use) before the first set.
            for i in range(args.runs + (1 if c == 0 else 0)):
                bench_get(endpoint, "reset")
                proc, wall, peak_kb = bench.measure(base + extra, env)
                if proc.returncode not in (0, 1):
                    sys.exit(f"flowaudit exited {proc.returncode}: {proc.stderr.decode()[-4000:]}")
                fig = bench_get(endpoint, "busy")
                fig["cpu"] = cpu_seconds(proc.stderr.decode(errors="replace"))
                warm = c == 0 and i == 0
                print(f"  {'warm-up' if warm else 'run'} {' '.join(extra)}: {wall:.1f} s, {peak_kb / 1024:.0f} MiB, "
                      f"moto busy {fig['busy']:.1f} s, {fig['calls']} calls", file=sys.stderr)
                if not warm:
                    runs.append((wall, peak_kb, fig))
            runs.sort(key=lambda r: r[0])
            results.append((extra, runs[len(runs) // 2][0], max(r[1] for r in runs), runs[len(runs) // 2][2]))
        with open(inv_path) as f:
            inv = json.load(f)
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)

    bound, parts = lower_bound(tree, inv)
    errors = inv.get("errors", [])
    scanned = sum(1 for a in inv["accounts"] if a.get("scanned", True))
    vpcs = sum(len(r["vpcs"]) for r in inv["regions"])

    print(f"\n{scanned} accounts ({args.accounts} members, the log-archive and the management account) x "
          f"{args.regions} regions, {vpcs} VPCs; flowaudit: {args.label}; moto 5.2.5 on loopback"
          f"{f' behind a {args.latency_ms:g} ms delaying proxy' if args.latency_ms else ''}; "
          f"median of {args.runs} run(s) after a warm-up; seeding took {seed_s:.0f} s\n")
    print("| accounts | regions | flowaudit options | wall time | peak RSS | API calls | lower bound | moto busy "
          "| wall / busy | moto CPU | sum of service times | most requests open in moto | flowaudit CPU "
          "| flowaudit CPU per call | first region listing |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for extra, wall, peak_kb, fig in results:
        print(f"| {scanned} | {args.regions} | {' '.join(extra) or 'defaults'} | {wall:.1f} s "
              f"| {peak_kb / 1024:.0f} MiB | {fig['calls']} | {bound} | {fig['busy']:.1f} s "
              f"| {wall / fig['busy']:.2f} | {fig['moto_cpu']:.1f} s | {fig['sum']:.1f} s | {fig['peak_open']} "
              f"| {'—' if fig['cpu'] is None else format(fig['cpu'], '.1f') + ' s'} "
              f"| {'—' if fig['cpu'] is None else format(1000 * fig['cpu'] / fig['calls'], '.2f') + ' ms'} "
              f"| {first_listing(fig)} |")
        if fig["calls"] != bound:
            print(f"note: {' '.join(extra) or 'defaults'}: {fig['calls'] - bound:+d} calls against the lower bound",
                  file=sys.stderr)
    print(f"\nlower bound by kind: {json.dumps(parts)}")
    if errors:
        print(f"note: {len(errors)} error entries, first: {json.dumps(errors[0])}", file=sys.stderr)

    extra, wall, _, fig = results[0]
    ops = fig["ops"]
    print(f"\nPhases of the first configuration ({' '.join(extra) or 'defaults'}), from moto's first request:\n")
    print("| operation | calls | mean time in moto | first seen | last answered |")
    print("|---|---:|---:|---:|---:|")
    for k, (n, s, a, b) in sorted(ops.items(), key=lambda kv: kv[1][2]):
        print(f"| {k} | {n} | {1000 * s / n:.1f} ms | {a:.1f} s | {b:.1f} s |")

    # Extrapolation: the calls of a region, and moto's time for them, grow with the regions; the
    # rest does not. Moto's busy time is split between the two in proportion to their summed
    # service times; wall time assumes flowaudit keeps moto as saturated as measured.
    x = args.extrapolate_regions
    reg_calls = sum(v[0] for k, v in ops.items() if k in REGION_OPS)
    reg_sum = sum(v[1] for k, v in ops.items() if k in REGION_OPS)
    scale = x / args.regions
    busy_x = fig["busy"] * ((fig["sum"] - reg_sum) + reg_sum * scale) / fig["sum"]
    calls_x = fig["calls"] - reg_calls + round(reg_calls * scale)
    bound_x = bound - parts["region listings and log groups"] + round(parts["region listings and log groups"] * scale)
    print(f"\nExtrapolation (not measured) to {x} regions: {calls_x} calls (lower bound {bound_x}), "
          f"moto busy about {busy_x:.0f} s, wall time about {busy_x * wall / fig['busy']:.0f} s "
          f"at the measured wall / busy ratio of {wall / fig['busy']:.2f}.")


if __name__ == "__main__":
    main()
