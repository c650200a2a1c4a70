#!/usr/bin/env python3
"""Organization scans at scale against ../shared/tools/fast-aws (see scripts/bench-org-fast).

Starts fast-aws twice on free loopback ports, once answering at once and once with a round trip
added to every request and the handshakes added to every new connection, runs
`flowaudit scan --org` against each, and prints per configuration: wall time, flowaudit's CPU
(user and system) and its CPU per AWS call, peak RSS, the calls served, the connections
accepted and their ratio to the calls, and the error entries of the inventory.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (scripts/bench.py: free ports, measuring a run under GNU time)


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return json.loads(r.read() or b"{}")


def cpu_split(stderr):
    """(user s, system s) from GNU time -v (None without it)."""
    user = sys_ = None
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("User time"):
            user = float(line.rsplit(":", 1)[1])
        elif line.startswith("System time"):
            sys_ = float(line.rsplit(":", 1)[1])
    return user, sys_


def run(args, delay_ms, connect_ms, extra, work):
    port = bench.free_port()
    server = subprocess.Popen(
        [sys.executable, args.fast_aws, str(port), "--accounts", str(args.accounts), "--regions", str(args.regions),
         "--vpcs", str(args.vpcs), "--delay-ms", str(delay_ms), "--connect-delay-ms", str(connect_ms)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                get(port, "/__reset")
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("fast-aws did not start")
        inv = os.path.join(work, "inventory.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
                   AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        cmd = [args.bin, "-q", "scan", "--org", "--endpoint-url", f"http://127.0.0.1:{port}",
               "--dump-inventory", inv, "--output", os.path.join(work, "report.txt")] + extra
        proc, wall, rss = bench.measure(cmd, env)
        if proc.returncode not in (0, 1):
            sys.exit(f"flowaudit exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-3000:]}")
        counts = get(port, "/__counts")
        with open(f"/proc/{server.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        server_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(inv) as f:
            doc = json.load(f)
    finally:
        server.kill()
        server.wait()
    user, system = cpu_split(proc.stderr.decode(errors="replace"))
    conns = counts.pop("_connections", 0)
    calls = sum(counts.values())
    return {"wall": wall, "user": user, "sys": system, "rss": rss, "calls": calls, "connections": conns,
            "errors": len(doc.get("errors", [])), "server_cpu": server_cpu, "regions": len(doc["regions"]),
            "vpcs": sum(len(r["vpcs"]) for r in doc["regions"]), "ops": counts}


def lower_bound(members, regions, vpcs):
    """The fewest calls `scan --org` can make of fast-aws's organization: its accounts (members
    and the management account) all under the root, no OUs, pages of 20, every account with the
    log group /flow in every region (KMS) and, with 2 VPCs or more, one central bucket."""
    accounts = members + 1
    pages = -(-accounts // 20)
    org = 1 + pages + 1 + 1 + pages + accounts  # caller, ListAccounts, root, OUs, parent, tags
    setup = members + accounts + accounts  # AssumeRole, ListBuckets, DescribeRegions
    per_region = 5 + (1 if vpcs >= 1 else 0)  # five listings, one DescribeLogGroups
    return org + setup + accounts * regions * per_region + (1 if vpcs >= 2 else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--fast-aws", required=True)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--regions", type=int, default=17)
    ap.add_argument("--vpcs", type=int, default=3)
    ap.add_argument("--delay-ms", type=float, default=50.0)
    ap.add_argument("--connect-delay-ms", type=float, default=100.0)
    ap.add_argument("--label", default="release build")
    ap.add_argument("--also", action="append", default=[], metavar="ARGS",
                    help="measure another configuration too: flowaudit scan arguments as one string")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="flowaudit-bench-org-fast-")
    rows = []
    try:
        for extra in [[]] + [shlex.split(x) for x in args.also]:
            for delay, connect in ((0.0, 0.0), (args.delay_ms, args.connect_delay_ms)):
                r = run(args, delay, connect, extra, work)
                print(f"  {' '.join(extra) or 'defaults'} at {delay:g} ms (+{connect:g} ms per connection): "
                      f"{r['wall']:.1f} s, {r['calls']} calls, {r['connections']} connections, {r['errors']} errors",
                      file=sys.stderr)
                rows.append((extra, delay, connect, r))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.accounts} member accounts and the management account x {args.regions} regions x {args.vpcs} VPCs "
          f"on fast-aws; flowaudit: {args.label}; lower bound {lower_bound(args.accounts, args.regions, args.vpcs):,} "
          f"calls\n")
    print("| flowaudit options | round trip | per new connection | wall | calls | connections | connections / calls "
          "| CPU user | CPU system | CPU per call | peak RSS | error entries | endpoint CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for extra, delay, connect, r in rows:
        cpu = (r["user"] or 0) + (r["sys"] or 0)
        secs = lambda v: "—" if v is None else f"{v:.1f} s"  # noqa: E731 (no GNU time: no CPU split)
        print(f"| {' '.join(extra) or 'defaults'} | {delay:g} ms | {connect:g} ms | {r['wall']:.1f} s | {r['calls']:,} "
              f"| {r['connections']:,} | {100 * r['connections'] / max(r['calls'], 1):.1f}% | {secs(r['user'])} "
              f"| {secs(r['sys'])} | {1000 * cpu / max(r['calls'], 1):.3f} ms | {(r['rss'] or 0) / 1024:.0f} MiB "
              f"| {r['errors']} | {r['server_cpu']:.1f} s |")
    for extra in {tuple(e) for e, *_ in rows}:
        pair = [r for e, d, _, r in rows if tuple(e) == extra]
        if len(pair) == 2 and pair[0]["wall"] > 0:
            print(f"\n{' '.join(extra) or 'defaults'}: wall with latency / wall without = "
                  f"{pair[1]['wall'] / pair[0]['wall']:.2f}")
    print(f"\ncalls by operation (first configuration, no latency): {json.dumps(rows[0][3]['ops'], sort_keys=True)}")


if __name__ == "__main__":
    main()
