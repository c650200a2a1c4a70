"""Proves that remediation snippets keep hostile values as data.

Input (argv[1]): a JSON list of cases, each
  {"id", "lang": "cli"|"terraform"|"cloudformation", "benign", "hostile",
   "placeholder", "value", "name"}
where `benign` is a snippet rendered with a field set to `placeholder` (a plain word) and `hostile`
the same snippet rendered with that field set to `value`; `name` is what the value reduces to as a
Terraform name. Output (stdout): a JSON list of failures, each {"id", "why"}; empty when all hold.

- cli: both snippets run in bash, `aws` being a function that records its arguments, with an empty
  PATH and a handler that records any other command; the hostile run must run no other command,
  create no file, and pass exactly the benign arguments with the placeholder replaced by the value.
- terraform: both parse with python-hcl2; every string of the hostile parse equals the benign one
  with the placeholder replaced by the value (in a quoted string, decoded) or by its name (in a
  label or an expression), and no string gains an interpolation.
- cloudformation: both parse as YAML; every string of the hostile parse equals the benign one with
  the placeholder replaced by the value; the hostile template passes cfn-lint.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

import hcl2
import yaml


def fail(out, case, why):
    out.append({"id": case["id"], "why": why})


# ---------- cli ----------

RUN = r"""
aws() { { printf 'CALL\0'; for a in "$@"; do printf '%s\0' "$a"; done; } >> "$FA_LOG"; }
command_not_found_handle() { printf 'RAN\0%s\0' "$1" >> "$FA_LOG"; return 127; }
"""


def run_bash(script):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "log")
        work = os.path.join(d, "work")
        os.mkdir(work)
        open(log, "wb").close()
        p = subprocess.run(
            ["/bin/bash", "-c", RUN + script],
            cwd=work,
            env={"FA_LOG": log, "PATH": "/nonexistent", "HOME": work, "IFS": " \t\n"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )
        created = os.listdir(work)
        raw = open(log, "rb").read().split(b"\0")[:-1]
    calls, ran = [], []
    i = 0
    while i < len(raw):
        if raw[i] == b"CALL":
            calls.append([])
        elif raw[i] == b"RAN":
            i += 1
            ran.append(raw[i].decode("utf-8", "replace"))
        else:
            calls[-1].append(raw[i])
        i += 1
    return p, calls, ran, created


def check_cli(case, out, cache):
    if case["benign"] not in cache:
        cache[case["benign"]] = run_bash(case["benign"])
    _, benign_calls, benign_ran, _ = cache[case["benign"]]
    p, calls, ran, created = run_bash(case["hostile"])
    if ran != benign_ran:
        return fail(out, case, f"ran other commands: {ran}")
    if created:
        return fail(out, case, f"created files: {created}")
    if p.returncode != 0:
        return fail(out, case, f"bash exited {p.returncode}: {p.stderr.decode('utf-8', 'replace')[:500]}")
    ph = case["placeholder"].encode()
    v = case["value"].encode()
    want = [[a.replace(ph, v) for a in c] for c in benign_calls]
    if calls != want:
        return fail(out, case, f"arguments differ: {calls!r:.600} != {want!r:.600}")


# ---------- terraform ----------

HCL_ESC = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def hcl_decode(raw):
    """The text of a quoted HCL string as python-hcl2 returns it (quotes included); None when it
    holds an interpolation or directive."""
    if not (raw.startswith('"') and raw.endswith('"')):
        return None
    s, i, res = raw[1:-1], 0, []
    while i < len(s):
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            if n == "u":
                res.append(chr(int(s[i + 2 : i + 6], 16)))
                i += 6
                continue
            if n == "U":
                res.append(chr(int(s[i + 2 : i + 10], 16)))
                i += 10
                continue
            res.append(HCL_ESC[n])
            i += 2
        elif c in "$%" and s[i + 1 : i + 3] == c + "{":
            res.append(c + "{")
            i += 3
        elif c in "$%" and s[i + 1 : i + 2] == "{":
            return None
        else:
            res.append(c)
            i += 1
    return "".join(res)


def compare(b, h, repl, path, why):
    """Walk two parses; `repl(text, is_key, path)` gives the hostile form of a benign string."""
    if isinstance(b, dict):
        if not isinstance(h, dict) or len(b) != len(h):
            return why.append(f"{path}: {h!r:.300} is not like {b!r:.300}")
        for (bk, bv), (hk, hv) in zip(b.items(), h.items()):
            if repl(bk, True, path) != hk:
                return why.append(f"{path}: key {hk!r:.300} != {repl(bk, True, path)!r:.300}")
            compare(bv, hv, repl, f"{path}.{bk}", why)
    elif isinstance(b, list):
        if not isinstance(h, list) or len(b) != len(h):
            return why.append(f"{path}: {h!r:.300} is not like {b!r:.300}")
        for n, (bv, hv) in enumerate(zip(b, h)):
            compare(bv, hv, repl, f"{path}[{n}]", why)
    elif isinstance(b, str):
        if repl(b, False, path) != h:
            why.append(f"{path}: {h!r:.300} != {repl(b, False, path)!r:.300}")
    elif b != h:
        why.append(f"{path}: {h!r:.300} != {b!r:.300}")


def check_terraform(case, out, cache):
    if case["benign"] not in cache:
        try:
            cache[case["benign"]] = hcl2.loads(case["benign"])
        except Exception as e:  # noqa: BLE001
            cache[case["benign"]] = e
    b = cache[case["benign"]]
    if isinstance(b, Exception):
        return fail(out, case, f"benign snippet does not parse: {b}")
    try:
        h = hcl2.loads(case["hostile"])
    except Exception as e:  # noqa: BLE001
        return fail(out, case, f"does not parse as HCL: {e}")
    ph, v, name = case["placeholder"], case["value"], case["name"]

    def repl(text, is_key, path):
        if "__comments__" in path and not is_key:
            # A comment: the value without its line breaks and other controls.
            return text.replace(ph, case["comment"])
        if is_key or not text.startswith('"'):
            # A label, an attribute name or an expression: the value stands there as its name.
            return text.replace(ph, name)
        decoded = hcl_decode(text)
        return None if decoded is None else decoded.replace(ph, v)

    def normal(x):
        # Quoted strings of the hostile parse, decoded (None if they interpolate).
        if isinstance(x, dict):
            return {k: normal(w) for k, w in x.items()}
        if isinstance(x, list):
            return [normal(w) for w in x]
        if isinstance(x, str) and x.startswith('"'):
            return hcl_decode(x)
        return x

    why = []
    compare(b, normal(h), repl, "$", why)
    if why:
        fail(out, case, "; ".join(why[:3]))


# ---------- cloudformation ----------


class Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {"!" + suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {"!" + suffix: loader.construct_sequence(node)}
    return {"!" + suffix: loader.construct_mapping(node)}


Loader.add_multi_constructor("!", _tag)


def check_cloudformation(case, out, to_lint):
    try:
        b = yaml.load(case["benign"], Loader=Loader)
    except Exception as e:  # noqa: BLE001
        return fail(out, case, f"benign snippet does not parse: {e}")
    try:
        h = yaml.load(case["hostile"], Loader=Loader)
    except Exception as e:  # noqa: BLE001
        return fail(out, case, f"does not parse as YAML: {e}")
    ph, v = case["placeholder"], case["value"]
    why = []
    compare(b, h, lambda t, _k, _p: t.replace(ph, v), "$", why)
    if why:
        return fail(out, case, "; ".join(why[:3]))
    to_lint.append(case)


# The documented placeholders, filled in before cfn-lint reads a snippet.
FILL = {
    "KMS_KEY_ARN": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "DELIVERY_ROLE_ARN": "arn:aws:iam::123456789012:role/flow-logs-delivery",
    "LOG_GROUP_ARN": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flow-logs",
    "LOG_GROUP_NAME": "/aws/vpc/flow-logs",
    "BUCKET_ARN": "arn:aws:s3:::flow-logs-bucket",
}

# cfn-lint rules about a property's allowed values (name formats and patterns, lengths,
# enumerations): the corpus breaks AWS naming rules on purpose, and such a finding shows that the
# value is held as that property's value, which is what is checked here.
VALUE_RULES = {f"E{n}" for n in range(1150, 1162)} | {"E3030", "E3031", "E3033", "E3034"}


def lint(cases, out):
    """cfn-lint over the hostile snippets: one per rule, check, field and value (the same snippet
    for another VPC adds nothing), in two processes."""
    by_id = {}
    for case in cases:
        by_id.setdefault(case["id"], case)
    cases = list(by_id.values())
    if not cases:
        return
    half = (len(cases) + 1) // 2
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for part in pool.map(lint_some, [cases[:half], cases[half:]]):
            out.extend(part)


def lint_some(cases):
    out = []
    if not cases:
        return out
    with tempfile.TemporaryDirectory() as d:
        files = {}
        for n, case in enumerate(cases):
            f = os.path.join(d, f"t{n}.yaml")
            with open(f, "w", encoding="utf-8") as fh:
                fh.write(re.sub(r"<([A-Z0-9_]+)>", lambda m: FILL.get(m[1], m[0]), case["hostile"]))
            files[f] = case
        cfn = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
        p = subprocess.run(
            [cfn, "--format", "parseable", "--"] + list(files),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        for line in p.stdout.splitlines():
            parts = line.split(":")
            f = parts[0]
            rule = parts[5] if len(parts) > 5 else ""
            if f in files and rule not in VALUE_RULES:
                fail(out, files[f], "cfn-lint: " + line[len(f) :])
        if p.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) or (p.returncode and not p.stdout):
            out.append({"id": "cfn-lint", "why": f"exit {p.returncode}: {p.stderr[:500]}"})
    return out


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    out, cache, to_lint = [], {}, []
    for case in cases:
        if case["lang"] == "cli":
            check_cli(case, out, cache)
        elif case["lang"] == "terraform":
            check_terraform(case, out, cache)
        else:
            check_cloudformation(case, out, to_lint)
    lint(to_lint, out)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
