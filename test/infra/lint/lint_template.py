"""Lints the synthesized orchestrator template: parliament over every identity and resource policy in it,
cfn-lint over the whole template. Errors fail; every warning must be acknowledged, with a reason, in the
one acknowledgements file; an acknowledgement that matches nothing fails too, so the file stays true.

Usage: python test/infra/lint/lint_template.py <folder written by export-template.ts> <acknowledgements.yaml>
(`make test-infra-lint` runs both steps; docs/iam.md explains the choices.)
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from parliament import analyze_policy_string, enhance_finding

# parliament's severities that are errors (never acknowledgeable); the rest are warnings.
PARLIAMENT_ERRORS = {"CRITICAL", "HIGH"}
MIN_REASON = 40


@dataclass(frozen=True)
class Finding:
    tool: str
    id: str
    where: str
    message: str
    error: bool

    def __str__(self) -> str:
        level = "error" if self.error else "warning"
        return f"{self.tool} {self.id} ({level}) at {self.where}: {self.message}"


def parliament_findings(policies: list[dict]) -> list[Finding]:
    findings = []
    for policy in policies:
        # Trust policies have no Resource element by design and parliament has no trust-policy mode, so it
        # would report every one as MALFORMED; cfn-lint and cdk-nag check them.
        if policy["kind"] == "trust":
            continue
        analysed = analyze_policy_string(json.dumps(policy["document"]))
        for finding in analysed.findings:
            finding = enhance_finding(finding)
            findings.append(Finding("parliament", finding.issue, policy["where"],
                                    f"{finding.title}: {json.dumps(finding.detail)}",
                                    finding.severity in PARLIAMENT_ERRORS))
    return findings


def cfn_lint_findings(template: Path) -> list[Finding]:
    executable = Path(sys.executable).with_name("cfn-lint")
    run = subprocess.run([str(executable), "--format", "json", "--", str(template)],
                         capture_output=True, text=True, check=False)
    # Exit codes are a bit mask (2 errors, 4 warnings, 8 informational); 1 means cfn-lint itself failed.
    if run.returncode & 1 or (run.returncode != 0 and not run.stdout.strip()):
        raise SystemExit(f"cfn-lint failed to run (exit {run.returncode}): {run.stderr.strip()}")
    if not run.stdout.strip():
        return []
    findings = []
    for match in json.loads(run.stdout):
        path = match.get("Location", {}).get("Path") or []
        where = "/".join(str(part) for part in path) or "template"
        rule = match["Rule"]["Id"]
        findings.append(Finding("cfn-lint", rule, where, match["Message"], match["Level"] == "Error"))
    return findings


def load_acknowledgements(path: Path) -> list[dict]:
    entries = yaml.safe_load(path.read_text()) or []
    problems = []
    for index, entry in enumerate(entries):
        missing = [key for key in ("tool", "id", "where", "reason") if not entry.get(key)]
        if missing:
            problems.append(f"entry {index + 1}: missing {', '.join(missing)}")
        elif len(entry["reason"].strip()) < MIN_REASON:
            problems.append(f"entry {index + 1} ({entry['tool']} {entry['id']}): the reason must say why "
                            f"(at least {MIN_REASON} characters)")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return entries


def matches(entry: dict, finding: Finding) -> bool:
    return (entry["tool"] == finding.tool and entry["id"] == finding.id
            and fnmatch.fnmatchcase(finding.where, entry["where"]))


def main(folder: Path, acknowledgements_path: Path) -> int:
    started = time.monotonic()
    policies = json.loads((folder / "policies.json").read_text())
    findings = parliament_findings(policies) + cfn_lint_findings(folder / "template.json")
    acknowledgements = load_acknowledgements(acknowledgements_path)

    errors = [f for f in findings if f.error]
    unacknowledged = [f for f in findings if not f.error and not any(matches(a, f) for a in acknowledgements)]
    stale = [a for a in acknowledgements if not any(matches(a, f) for f in findings if not f.error)]

    for finding in errors:
        print(f"ERROR {finding}  (errors cannot be acknowledged: fix the template)")
    for finding in unacknowledged:
        print(f"UNACKNOWLEDGED {finding}  (fix it, or add it with a reason to {acknowledgements_path})")
    for entry in stale:
        print(f"STALE acknowledgement {entry['tool']} {entry['id']} at {entry['where']}: it matches no "
              f"finding; remove it from {acknowledgements_path}")
    acknowledged = len(findings) - len(errors) - len(unacknowledged)
    print(f"linted {sum(p['kind'] != 'trust' for p in policies)} policies with parliament and the template "
          f"with cfn-lint: {len(errors)} errors, {acknowledged} acknowledged warnings, "
          f"{len(unacknowledged)} unacknowledged, {len(stale)} stale acknowledgements "
          f"({time.monotonic() - started:.1f} s)")
    return 1 if errors or unacknowledged or stale else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
