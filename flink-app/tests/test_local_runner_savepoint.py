"""Stop-with-savepoint when the local cluster goes away first: stopping the job ends the job's main(),
and with it PyFlink's local cluster, sometimes before the runner reads the savepoint's status. The
runner then finds the completed savepoint on disk. Pure tests: no cluster, a scripted REST client."""
from __future__ import annotations

import os
import time
import urllib.error
from pathlib import Path
from typing import Any, Optional

import pytest

from local_runner import FlinkRest, completed_savepoint


class ClusterGoneAfterTrigger(FlinkRest):
    """Accepts the stop request, then refuses every connection, as a cluster that has shut down."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        if method == "POST" and path.endswith("/stop"):
            return {"request-id": "req-1"}
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))


def write_savepoint(directory: Path, name: str, mtime: Optional[float] = None) -> Path:
    savepoint = directory / name
    savepoint.mkdir(parents=True)
    metadata = savepoint / "_metadata"
    metadata.write_bytes(b"\x00")
    if mtime is not None:
        os.utime(metadata, (mtime, mtime))
    return savepoint


def test_it_should_pick_the_newest_savepoint_written_since_the_trigger(tmp_path: Path) -> None:
    # Prepare
    now = time.time()
    write_savepoint(tmp_path, "savepoint-old", mtime=now - 3600)
    newest = write_savepoint(tmp_path, "savepoint-new", mtime=now + 1)
    (tmp_path / "savepoint-incomplete").mkdir()

    # Act
    found = completed_savepoint(tmp_path, since=now)

    # Assess
    assert found == "file:" + str(newest.resolve())


def test_it_should_find_no_savepoint_when_only_older_ones_exist(tmp_path: Path) -> None:
    # Prepare
    write_savepoint(tmp_path, "savepoint-old", mtime=time.time() - 3600)

    # Act / Assess
    assert completed_savepoint(tmp_path, since=time.time()) is None


def test_it_should_return_the_savepoint_on_disk_when_the_cluster_is_gone(tmp_path: Path) -> None:
    # Prepare: Flink wrote the savepoint, then the cluster shut down before its status was read.
    rest = ClusterGoneAfterTrigger()
    original_call = rest.call

    def call_and_write(method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        result = original_call(method, path, body) if method == "POST" else None
        if method == "POST":
            write_savepoint(tmp_path, "savepoint-abc123")
            return result
        return original_call(method, path, body)

    rest.call = call_and_write  # type: ignore[method-assign]

    # Act
    location = rest.stop_with_savepoint("job-1", tmp_path.as_uri(), tmp_path)

    # Assess
    assert location == "file:" + str((tmp_path / "savepoint-abc123").resolve())


def test_it_should_still_fail_when_the_cluster_is_gone_and_no_savepoint_was_written(tmp_path: Path) -> None:
    # Prepare
    rest = ClusterGoneAfterTrigger()

    # Act / Assess
    with pytest.raises(urllib.error.URLError):
        rest.stop_with_savepoint("job-1", tmp_path.as_uri(), tmp_path)
