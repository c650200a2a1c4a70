"""Write rules that do nothing, for measuring what a scan costs apart from its rules' work
(scripts/bench-rules with BENCH_RULES=floor).

  gen-floor-rules.py RULES_DIR OUT_DIR

Each rule of RULES_DIR becomes one with the same id, severity, resource kind, compliance
mappings and check ids, whose checks evaluate `true` and render a constant message, with no
`let`, no `applies_if` and no remediation. Loaded with `--rules OUT_DIR`, they replace the
built-in rules and give every resource the same number of results.
"""
import json, pathlib, sys, tomllib

src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
q = json.dumps  # a JSON string is a valid TOML basic string
for path in sorted(src.glob("*.toml")):
    if path.name.endswith(".test.toml"):
        continue
    rule = tomllib.loads(path.read_text())
    lines = [f"{k} = {q(rule[k])}" for k in ("id", "title", "description", "severity", "resource")]
    lines.append("[compliance]")
    lines += [f"{q(k)} = {q(v)}" for k, v in rule.get("compliance", {}).items()]
    for check in rule["checks"]:
        lines += ["[[checks]]", f"id = {q(check['id'])}", f"title = {q(check['title'])}",
                  'condition = "true"', 'pass = "ok"', 'fail = "not ok"']
    (out / path.name).write_text("\n".join(lines) + "\n")
