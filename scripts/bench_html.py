"""The HTML report at scale (scripts/bench-html): size, memory, time to the summary, filters."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import measure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1_000_000

# Each step is evaluated in the page once its tables are built; a timed step returns
# [rows shown, milliseconds until they are in the page and laid out, the count line].
TIMED = (
    "(() => {{ const t = performance.now(); {action}; return new Promise(r => setTimeout(() => {{"
    " document.body.offsetHeight; r([document.querySelectorAll('{rows}').length,"
    " Math.round(performance.now() - t - {wait}), document.getElementById('result-count').textContent]); }}, {wait})); }})()"
)
RES_ROWS = "#resources tbody tr.resource"
# The per-resource table at 1,280 px: [table width, its scroll width, page width, viewport width,
# ids, account ids and regions that break over lines, rows shown].
WIDTH = (
    "(() => { const wrap = document.getElementById('resources-wrap'); const lines = (node) => {"
    " const r = document.createRange(); r.selectNodeContents(node);"
    " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; };"
    " const broken = [...document.querySelectorAll('#resources td.rid, #resources td.acct, #resources td.region')]"
    ".filter(td => td.firstChild && lines(td.firstChild) > 1).length;"
    " return [wrap.clientWidth, wrap.scrollWidth, document.documentElement.scrollWidth, window.innerWidth, broken,"
    " document.querySelectorAll('#resources tbody tr.resource').length]; })()"
)
ROWS = "#results tbody tr.result"


def set_value(el, value, event="change"):
    return (f"const e = document.getElementById({json.dumps(el)}); e.value = {json.dumps(value)};"
            f" e.dispatchEvent(new Event({json.dumps(event)}))")


def timed(action, rows, wait=0):
    return TIMED.format(action=action, rows=rows, wait=wait)


def steps():
    vpc = "vpc-%017x" % 7
    # A search waits for its 120 ms debounce; that wait is not counted.
    return [
        "(() => { const p = performance.getEntriesByName('first-contentful-paint')[0];"
        " return [p ? Math.round(p.startTime) : null, document.getElementById('card-fail').textContent]; })()",
        WIDTH,
        timed(set_value("f-status", "fail"), RES_ROWS),
        timed(set_value("f-status", ""), RES_ROWS),
        timed(set_value("f-text", vpc, "input"), RES_ROWS, 130),
        timed(set_value("f-text", "", "input"), RES_ROWS, 130),
        timed("document.getElementById('page-next').click()", RES_ROWS),
        timed("document.getElementById('view-results').click()", ROWS),
        timed(set_value("f-status", "fail"), ROWS),
        timed(set_value("f-region", "eu-west-1"), ROWS),
        timed(set_value("f-status", "pass"), ROWS),
        timed(set_value("f-text", vpc, "input"), ROWS, 130),
        timed("document.getElementById('filters').reset()", ROWS, 20),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--vpcs", type=int, default=100_000)
    a = ap.parse_args()
    keep = os.environ.get("BENCH_DIR")
    work = keep or tempfile.mkdtemp(prefix="bench-html-")
    os.makedirs(work, exist_ok=True)
    inv = os.path.join(work, f"inventory-{a.vpcs}.json")
    if not os.path.exists(inv):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-bench-inventory.py"),
                        str(a.vpcs), inv], check=True)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    failures = []
    runs = {
        "-f html -f json --output-dir": [a.bin, "scan", "--from-inventory", inv, "-f", "html", "-f", "json",
                                         "--output-dir", out],
        "-f html --output": [a.bin, "scan", "--from-inventory", inv, "-f", "html", "--output",
                             os.path.join(work, "alone.html")],
    }
    print(f"{a.vpcs:,} VPCs, {a.label}")
    for name, cmd in runs.items():
        proc, wall, peak_kb = measure(cmd)
        if proc.returncode not in (0, 1):
            print(proc.stderr.decode(errors="replace"), file=sys.stderr)
            sys.exit(f"{name}: exit {proc.returncode}")
        print(f"  scan {name}: {wall:.1f} s, peak RSS {peak_kb / 1024:.0f} MiB")
        if peak_kb * 1024 > 500 * MB:
            failures.append(f"{name}: peak RSS over 500 MB")
    page = os.path.join(out, "flowaudit.html")
    size = os.path.getsize(page)
    print(f"  page: {size / MB:.1f} MB (JSON report {os.path.getsize(os.path.join(out, 'flowaudit.json')) / MB:.0f} MB)")
    if size > 50 * MB:
        failures.append("page over 50 MB")
    steps_file = os.path.join(work, "steps.json")
    with open(steps_file, "w") as f:
        json.dump(steps(), f)
    chromium = os.environ.get("FLOWAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    env = dict(os.environ, CDP_VIEWPORT="1280x900")
    has_ws = subprocess.run(["node", "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]).returncode == 0
    node = ["node"] if has_ws else ["node", "--experimental-websocket"]
    r = subprocess.run(node + [os.path.join(ROOT, "tests/support/browser/cdp-run.mjs"), chromium, page,
                        steps_file, os.path.join(work, "page.png")],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        sys.exit("browser run failed: " + r.stderr.decode(errors="replace"))
    rep = json.loads(r.stdout)
    if rep.get("exceptions"):
        failures.append(f"page exceptions: {rep['exceptions']}")
    v = rep["values"]
    fcp, failing = v[0]
    print(f"  summary ({failing} failing) painted at {fcp} ms; load event {rep['loadMs']} ms;"
          f" tables built at {rep.get('readyMs')} ms ({rep.get('state')})")
    if fcp is None or fcp > 3000:
        failures.append("summary not shown within 3 s")
    wrap, scroll, page_w, viewport, broken, shown = v[1]
    print(f"  per-resource table at 1,280 px: {scroll} px of content in {wrap} px, page {page_w} px in"
          f" {viewport} px, {broken} ids broken over lines, {shown} rows")
    if scroll > wrap or page_w > viewport or broken or not shown:
        failures.append("the per-resource table does not fit 1,280 px whole")
    names = ["per resource: status=fail", "per resource: status=all", "per resource: search one VPC",
             "per resource: clear search", "per resource: next page", "switch to per result",
             "per result: status=fail", "per result: + region", "per result: status=pass (+ region)",
             "per result: search one VPC", "per result: clear all"]
    for n, x in zip(names, v[2:]):
        if not isinstance(x, list):
            failures.append(f"{n}: {x}")
            continue
        print(f"  {n}: {x[1]} ms, {x[0]} rows ({x[2]})")
        if x[1] > 300:
            failures.append(f"{n}: {x[1]} ms")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
