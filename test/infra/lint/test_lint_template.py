"""The lint gate itself (lint_template.py) on small hand-made inputs: it must fail on a template error, on
an unacknowledged warning and on a stale acknowledgement, and pass once every warning is acknowledged.
Run by `make test-infra-lint` before it lints the real template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_template import main

REASON = "Acknowledged in this test only, to show that an acknowledged warning lets the run pass."

# The statement shape that failed on a real account: CreateApplication takes no resource type, so
# parliament reports RESOURCE_MISMATCH (a MEDIUM finding, which the gate treats as a warning).
MISMATCHED = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["kinesisanalytics:CreateApplication"],
        "Resource": "arn:aws:kinesisanalytics:eu-west-1:123456789012:application/*-app",
    }],
}
CLEAN_TEMPLATE = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def lint(tmp_path: Path, policy: dict, template: dict, acknowledgements: list[dict]) -> int:
    (tmp_path / "policies.json").write_text(json.dumps([
        {"where": "TaskRole/PolicyDocument", "kind": "identity", "document": policy},
    ]))
    (tmp_path / "template.json").write_text(json.dumps(template))
    acks = tmp_path / "acks.yaml"
    acks.write_text(json.dumps(acknowledgements))  # JSON is YAML
    return main(tmp_path, acks)


def test_fails_on_an_unacknowledged_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint(tmp_path, MISMATCHED, CLEAN_TEMPLATE, []) == 1
    assert "UNACKNOWLEDGED parliament RESOURCE_MISMATCH" in capsys.readouterr().out


def test_passes_once_the_warning_is_acknowledged(tmp_path: Path) -> None:
    ack = {"tool": "parliament", "id": "RESOURCE_MISMATCH", "where": "TaskRole/*", "reason": REASON}
    assert lint(tmp_path, MISMATCHED, CLEAN_TEMPLATE, [ack]) == 0


def test_fails_on_a_stale_acknowledgement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean_policy = {**MISMATCHED, "Statement": [{**MISMATCHED["Statement"][0], "Resource": "*"}]}
    ack = {"tool": "parliament", "id": "RESOURCE_MISMATCH", "where": "TaskRole/*", "reason": REASON}
    assert lint(tmp_path, clean_policy, CLEAN_TEMPLATE, [ack]) == 1
    assert "STALE acknowledgement parliament RESOURCE_MISMATCH" in capsys.readouterr().out


def test_fails_on_a_template_error_even_if_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Nope": 1}}}}
    clean_policy = {**MISMATCHED, "Statement": [{**MISMATCHED["Statement"][0], "Resource": "*"}]}
    ack = {"tool": "cfn-lint", "id": "E3002", "where": "Resources/Topic/*", "reason": REASON}
    assert lint(tmp_path, clean_policy, broken, [ack]) == 1
    out = capsys.readouterr().out
    assert "ERROR cfn-lint E3002 (error) at Resources/Topic/Properties/Nope" in out
    # An error never counts as acknowledged, so the entry meant for it is stale as well.
    assert "STALE acknowledgement cfn-lint E3002" in out


def test_refuses_an_acknowledgement_without_a_reason(tmp_path: Path) -> None:
    ack = {"tool": "parliament", "id": "RESOURCE_MISMATCH", "where": "TaskRole/*", "reason": "because"}
    with pytest.raises(SystemExit, match="the reason must say why"):
        lint(tmp_path, MISMATCHED, CLEAN_TEMPLATE, [ack])
