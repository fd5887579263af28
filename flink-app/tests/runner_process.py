"""The local runner as a child process, with its JSON status lines read as they come (its `metrics`
and `exception` lines are kept apart, in `reports`)."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

RUNNER = Path(__file__).resolve().parents[1] / "local_runner.py"


class RunnerProcess:
    def __init__(self, args: list[str], env: dict[str, str], stderr_log: Path) -> None:
        self._stderr = open(stderr_log, "w")
        self.process = subprocess.Popen([sys.executable, str(RUNNER), *args], env=env, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True)
        self.statuses: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            parsed = json.loads(line)
            if "status" in parsed:
                self._lines.put(parsed)
            else:
                self.reports.append(parsed)
        self._lines.put(None)

    def next_status(self, timeout: float) -> dict[str, Any]:
        """The next status line; raises if the runner ends or stays silent for `timeout` seconds."""
        status = self._lines.get(timeout=timeout)
        if status is None:
            raise AssertionError(f"the runner exited ({self.process.wait()}) after {self.statuses}")
        self.statuses.append(status)
        return status

    def wait_for_report(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> bool:
        """Whether a report (a `metrics` or `exception` line) satisfying `predicate` arrives within `timeout`
        seconds; the runner reads Flink's metrics every few seconds, so a report lags what it describes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(report) for report in list(self.reports)):
                return True
            time.sleep(0.2)
        return False

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._stderr.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
