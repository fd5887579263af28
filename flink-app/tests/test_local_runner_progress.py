"""What the runner reports while the job runs (metrics, the exceptions Flink restarted the job after) and
how it treats a job that fails before it ever ran. Pure tests: no cluster, a scripted REST client."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

import local_runner
from local_runner import FlinkRest, LocalRun

STACK = "org.apache.flink.runtime.JobException: Recovery is suppressed\nCaused by: java.lang.RuntimeException: boom"


class ScriptedCluster(FlinkRest):
    """Answers the runner's REST calls from a dict that the test changes between calls."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__("http://127.0.0.1:9")
        self.state = state

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        if path.endswith("/exceptions"):
            return {"root-exception": STACK if self.state["history"] else None,
                    "exceptionHistory": {"entries": self.state["history"]}}
        if "/metrics" in path:
            return [{"id": "numRestarts", "value": str(self.state["restarts"])}]
        if path.endswith("/checkpoints"):
            return {"counts": {"completed": self.state["completed"], "failed": 1},
                    "latest": {"completed": {"external_path": "file:/tmp/chk-3"}}}
        return {"state": self.state["job"], "vertices": [{"status": self.state["job"]}],
                "timestamps": {"RUNNING": self.state.get("ran_at", 0)}}


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def new_run(tmp_path: Path, state: dict[str, Any]) -> LocalRun:
    args = argparse.Namespace(zip="", properties="", work_dir=str(tmp_path), savepoint_dir=None,
                              from_savepoint=None, flink_conf=[])
    run = LocalRun(args)
    run.rest = ScriptedCluster(state)
    run.job_id = "a" * 32
    return run


def test_it_should_print_metrics_when_they_change_and_each_new_exception_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Prepare
    monkeypatch.setattr(local_runner, "METRICS_SECONDS", 0.0)
    state = {"job": "RUNNING", "history": [], "restarts": 0, "completed": 2}
    run = new_run(tmp_path, state)

    # Act: a quiet round, a round after one failure, the same round again
    run.report_progress()
    state["history"] = [{"timestamp": 1000, "stacktrace": STACK, "taskName": "Source: ticks"}]
    state["restarts"] = 1
    run.report_progress()
    run.report_progress()

    # Assess
    lines = lines_of(capsys)
    assert lines == [
        {"metrics": {"numRestarts": 0, "numberOfCompletedCheckpoints": 2, "numberOfFailedCheckpoints": 1,
                     "latestCheckpoint": "file:/tmp/chk-3"}},
        {"exception": {"timestamp": 1000, "error": "java.lang.RuntimeException: boom", "stacktrace": STACK,
                       "taskName": "Source: ticks"}},
        {"metrics": {"numRestarts": 1, "numberOfCompletedCheckpoints": 2, "numberOfFailedCheckpoints": 1,
                     "latestCheckpoint": "file:/tmp/chk-3"}},
    ]


def test_it_should_report_a_job_that_restarts_before_it_ran_as_a_failed_start(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Prepare: the job is RESTARTING and never was RUNNING; the CLI process still lives.
    state = {"job": "RESTARTING", "history": [{"timestamp": 5, "stacktrace": STACK}], "restarts": 1,
             "completed": 0}
    run = new_run(tmp_path, state)
    run.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                   start_new_session=True)

    # Act
    code = run.follow()

    # Assess
    assert code == 1
    assert run.process.poll() is not None
    assert lines_of(capsys) == [{"status": "FAILED", "error": "java.lang.RuntimeException: boom"}]


def test_it_should_report_a_job_that_ran_and_failed_between_two_polls_as_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Prepare: RESTARTING at the first poll, but Flink's timestamps say the job was RUNNING before.
    state = {"job": "RESTARTING", "history": [], "restarts": 1, "completed": 0, "ran_at": 1234}
    run = new_run(tmp_path, state)
    run.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                   start_new_session=True)
    # One poll of the job, then a stop request; the stop itself (a savepoint) is not under test here.
    polls = iter([False, True])
    run.stop_requested.is_set = lambda: next(polls, True)  # type: ignore[method-assign]
    run.stop = lambda last_state: 0  # type: ignore[method-assign]

    # Act
    code = run.follow()
    run.process.kill()

    # Assess
    assert code == 0
    assert {"status": "RUNNING", "jobId": "a" * 32} in lines_of(capsys)


def test_it_should_name_the_python_exception_a_udf_raised_rather_than_the_java_wrapper() -> None:
    # Prepare: how Flink reports a Python UDF's failure, the worker's traceback inside a Java message
    stack = ("org.apache.flink.runtime.JobException: Recovery is suppressed\n"
             "Caused by: java.lang.RuntimeException: Error received from SDK harness for instruction 2: "
             "Traceback (most recent call last):\n"
             '  File "/work/code/main.py", line 17, in fail_once\n'
             '    raise RuntimeError("failing on purpose")\n'
             "RuntimeError: failing on purpose\n"
             "\tat org.apache.beam.runners.fnexecution.control.FnApiControlClient.onNext(FnApiControlClient.java:1)")

    # Act / Assess
    assert local_runner.stack_error(stack) == "RuntimeError: failing on purpose"
    assert local_runner.stack_error(STACK) == "java.lang.RuntimeException: boom"

