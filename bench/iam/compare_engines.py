"""The Python side of bench/iam/compare-engines.ts: does parliament, policy_sentry or cfn-lint flag each
case of cases.json, and how long does each take? Prints one JSON object (tool -> results)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def parliament_results(cases: list[dict]) -> dict:
    started = time.perf_counter()
    from parliament import analyze_policy_string
    found = []
    for case in cases:
        policy = {"Version": "2012-10-17", "Statement": [case["statement"]]}
        issues = [f.issue for f in analyze_policy_string(json.dumps(policy)).findings]
        found.append({"case": case["name"], "detected": "RESOURCE_MISMATCH" in issues, "detail": issues})
    return {"results": found, "seconds": time.perf_counter() - started}


def policy_sentry_results(cases: list[dict]) -> dict:
    # policy_sentry's analysis reads a policy by access level only; it does not compare a statement's
    # resources with the action's resource types. Its tables do carry the ARN formats (reported as detail).
    started = time.perf_counter()
    from policy_sentry.analysis.analyze import analyze_by_access_level
    from policy_sentry.querying.actions import get_action_data
    found = []
    for case in cases:
        policy = {"Version": "2012-10-17", "Statement": [case["statement"]]}
        analyze_by_access_level(policy, "write")
        service, action = case["request"]["action"].split(":")
        formats = [row["resource_arn_format"] for row in get_action_data(service, action)[service]]
        found.append({"case": case["name"], "detected": False, "detail": formats})
    return {"results": found, "seconds": time.perf_counter() - started}


def cfn_lint_results(cases: list[dict]) -> dict:
    started = time.perf_counter()
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}
    for index, case in enumerate(cases):
        template["Resources"][f"Policy{index}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [case["statement"]]}},
        }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.json"
        path.write_text(json.dumps(template))
        run = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--format", "json", "--", str(path)],
                             capture_output=True, text=True, check=False)
    matches = json.loads(run.stdout) if run.stdout.strip() else []
    found = []
    for index, case in enumerate(cases):
        rules = [m["Rule"]["Id"] for m in matches if f"Policy{index}" in (m.get("Location", {}).get("Path") or [])]
        found.append({"case": case["name"], "detected": bool(rules), "detail": rules})
    return {"results": found, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    cases = json.loads(Path(sys.argv[1]).read_text())["cases"]
    print(json.dumps({"parliament": parliament_results(cases), "policy_sentry": policy_sentry_results(cases),
                      "cfn-lint": cfn_lint_results(cases)}))
