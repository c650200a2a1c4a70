"""Validate flowaudit's finding exports.

    check_exports.py ocsf FILE   every element against the OCSF 1.6.0 JSON Schema of class
                                 compliance_finding with the cloud profile, generated offline by
                                 the pinned ocsf-json-schema package (additional properties refused)
    check_exports.py asff FILE   every element as one BatchImportFindings input, against botocore's
                                 securityhub service model: required members, no unknown member,
                                 types, enums, patterns, lengths and list sizes

Prints the number of valid findings, or every problem (and exits 1).
"""
import json
import re
import sys


def ocsf(findings):
    import jsonschema
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version="1.6.0")).get_class_schema(
        "compliance_finding", profiles=["cloud"]
    )
    assert schema.get("additionalProperties") is False, "the generated schema must refuse unknown fields"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for i, f in enumerate(findings):
        for e in validator.iter_errors(f):
            problems.append(f"[{i}] {'/'.join(map(str, e.absolute_path))}: {e.message}")
    return problems


def asff(findings):
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    problems = []

    def check(value, shape, path):
        t = shape.type_name
        meta = shape.metadata
        if t == "structure":
            if not isinstance(value, dict):
                problems.append(f"{path}: not an object")
                return
            for name in shape.required_members:
                if name not in value:
                    problems.append(f"{path}: missing {name}")
            for name, v in value.items():
                if name not in shape.members:
                    problems.append(f"{path}: unknown member {name}")
                else:
                    check(v, shape.members[name], f"{path}.{name}")
        elif t == "list":
            if not isinstance(value, list):
                problems.append(f"{path}: not a list")
                return
            if "min" in meta and len(value) < meta["min"]:
                problems.append(f"{path}: fewer than {meta['min']} items")
            if "max" in meta and len(value) > meta["max"]:
                problems.append(f"{path}: more than {meta['max']} items")
            for i, v in enumerate(value):
                check(v, shape.member, f"{path}[{i}]")
        elif t == "map":
            if not isinstance(value, dict):
                problems.append(f"{path}: not a map")
                return
            for k, v in value.items():
                check(k, shape.key, f"{path} key {k!r}")
                check(v, shape.value, f"{path}[{k!r}]")
        elif t == "string":
            if not isinstance(value, str):
                problems.append(f"{path}: not a string")
                return
            if shape.enum and value not in shape.enum:
                problems.append(f"{path}: {value!r} is not one of {shape.enum}")
            if "pattern" in meta and not re.search(meta["pattern"], value, re.S):
                problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
            if "min" in meta and len(value) < meta["min"]:
                problems.append(f"{path}: shorter than {meta['min']}")
            if "max" in meta and len(value) > meta["max"]:
                problems.append(f"{path}: longer than {meta['max']}")
        elif t in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{path}: not an integer")
        elif t in ("double", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{path}: not a number")
        elif t == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{path}: not a boolean")
        else:
            problems.append(f"{path}: unexpected shape type {t}")

    for i, f in enumerate(findings):
        check({"Findings": [f]}, shape, f"[{i}]")
        # Limits that the service documents but its model does not carry.
        for field, limit in (("Title", 256), ("Description", 1024)):
            if len(f.get(field, "")) > limit:
                problems.append(f"[{i}].{field}: longer than {limit} characters")
        text = f.get("Remediation", {}).get("Recommendation", {}).get("Text", "")
        if len(text) > 512:
            problems.append(f"[{i}].Remediation.Recommendation.Text: longer than 512 characters")
        if not re.fullmatch(r"[A-Za-z0-9/._:-]+", f.get("Id", "")):
            problems.append(f"[{i}].Id: {f.get('Id')!r} holds other characters")
    # Botocore's own validator too, on the whole list in batches of 100 as publish sends them.
    from botocore.validate import ParamValidator

    for start in range(0, len(findings), 100):
        report = ParamValidator().validate({"Findings": findings[start : start + 100]}, shape)
        if report.has_errors():
            problems.append(report.generate_report())
    return problems


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        findings = json.load(f)
    if not isinstance(findings, list) or not findings:
        print(f"{path}: not a non-empty JSON array", file=sys.stderr)
        sys.exit(1)
    problems = {"ocsf": ocsf, "asff": asff}[kind](findings)
    for p in problems[:50]:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{len(findings)} valid")


if __name__ == "__main__":
    main()
