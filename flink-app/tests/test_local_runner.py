"""The local runner's contract (docs/flink-app.md), and the packaged zip end to end: kinesalite in,
moto's S3 server out, both on loopback."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from local_servers import aws_env, kinesalite, moto_s3
from runner_process import RunnerProcess

RUN_OPTIONS = {"python": "main.py", "jarfile": "lib/flinkflow-app-deps.jar"}


def write_properties(path: Path, groups: dict[str, dict[str, str]]) -> Path:
    path.write_text(json.dumps([{"PropertyGroupId": g, "PropertyMap": m} for g, m in groups.items()]))
    return path


def run_to_end(tmp_path: Path, code_zip: Path, groups: dict[str, dict[str, str]], timeout: float) -> tuple[int, list]:
    properties = write_properties(tmp_path / "application_properties.json", groups)
    runner = RunnerProcess(["--zip", str(code_zip), "--properties", str(properties), "--work-dir", str(tmp_path / "work")],
                           dict(os.environ), tmp_path / "runner.err")
    try:
        exit_code = runner.wait(timeout)
        while True:
            try:
                runner.next_status(timeout=1)
            except AssertionError:
                break
        return exit_code, runner.statuses
    finally:
        runner.kill()


def test_it_should_report_a_broken_zip_as_failed(tmp_path: Path) -> None:
    # Prepare
    broken = tmp_path / "code.zip"
    broken.write_bytes(b"this is not a zip")

    # Act
    exit_code, statuses = run_to_end(tmp_path, broken, {"kinesis.analytics.flink.run.options": RUN_OPTIONS}, 60)

    # Assess
    assert exit_code == 1
    assert statuses[0] == {"status": "STARTING"}
    assert statuses[-1]["status"] == "FAILED"
    assert "is not a valid zip file" in statuses[-1]["error"]


def test_it_should_report_a_zip_without_the_python_file_as_failed(tmp_path: Path) -> None:
    # Prepare
    code = tmp_path / "code.zip"
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("lib/flinkflow-app-deps.jar", b"")

    # Act
    exit_code, statuses = run_to_end(tmp_path, code, {"kinesis.analytics.flink.run.options": RUN_OPTIONS}, 60)

    # Assess
    assert exit_code == 1
    assert statuses[-1] == {"status": "FAILED",
                            "error": "the run option python names 'main.py', which is not in the zip"}


@pytest.mark.flink
@pytest.mark.parametrize("entry", ["../evil.py", "../code-evil/evil.py", "/tmp/evil.py"])
def test_it_should_refuse_a_zip_with_an_entry_outside_its_root_and_unpack_nothing(tmp_path: Path, entry: str) -> None:
    # Prepare: `../code-evil/` shares the code folder's name as a string prefix.
    code = tmp_path / "code.zip"
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("main.py", "")
        archive.writestr(zipfile.ZipInfo(entry), "import os\n")

    # Act
    exit_code, statuses = run_to_end(tmp_path, code, {"kinesis.analytics.flink.run.options": RUN_OPTIONS}, 60)

    # Assess
    assert exit_code == 1
    assert statuses[-1] == {"status": "FAILED", "error": f"the code zip has an entry outside its root: {entry}"}
    assert [p.name for p in (tmp_path / "work").rglob("*evil*")] == []


def test_it_should_report_the_jobs_property_error_by_group_and_key(tmp_path: Path, packaged_zip: Path) -> None:
    # Prepare: everything the job needs but a valid output format.
    groups = {
        "consumer.config.0": {"input.stream.name": "ticks", "aws.region": "us-east-1"},
        "sink.config.0": {"output.bucket.name": "demo-bucket", "output.format": "orc"},
        "kinesis.analytics.flink.run.options": RUN_OPTIONS,
    }

    # Act
    exit_code, statuses = run_to_end(tmp_path, packaged_zip, groups, 240)

    # Assess
    assert exit_code == 1
    assert statuses[-1]["status"] == "FAILED"
    assert statuses[-1]["error"].endswith(
        "PropertyError: Property group 'sink.config.0' key 'output.format' is 'orc'; expected one of: csv, parquet")
    assert (tmp_path / "work" / "flink.log").stat().st_size > 0


EXPECTED_WINDOWS = sorted([
    ("AAPL", "2024-03-01 10:00:05.000,2024-03-01 10:00:00.000,2.0,5"),
    ("AAPL", "2024-03-01 10:00:10.000,2024-03-01 10:00:05.000,7.0,5"),
    ("MSFT", "2024-03-01 10:00:05.000,2024-03-01 10:00:00.000,4.0,5"),
    ("MSFT", "2024-03-01 10:00:10.000,2024-03-01 10:00:05.000,14.0,5"),
])


@pytest.mark.e2e
@pytest.mark.parametrize("output_format", ["csv", "parquet"])
def test_it_should_read_kinesis_and_write_windows_with_success_files_to_s3_then_stop_with_a_savepoint(
        tmp_path: Path, packaged_zip: Path, output_format: str) -> None:
    import boto3

    with kinesalite(tmp_path) as kinesis_url, moto_s3(tmp_path) as s3_url:
        # Prepare: two tickers over two 5 s windows, then one event an hour later to move the watermark.
        env = aws_env(kinesis_url, s3_url)
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        kinesis = session.client("kinesis", endpoint_url=kinesis_url)
        s3 = session.client("s3", endpoint_url=s3_url)
        kinesis.create_stream(StreamName="e2e-ticks", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="e2e-ticks", WaiterConfig={"Delay": 1})
        s3.create_bucket(Bucket="e2e-bucket")
        records = [{"Data": json.dumps({"event_time": f"2024-03-01T10:00:{second:02d}.000Z", "ticker": ticker,
                                        "price": float(second * (2 if ticker == "MSFT" else 1))}).encode(),
                    "PartitionKey": ticker}
                   for second in range(10) for ticker in ("AAPL", "MSFT")]
        records.append({"Data": json.dumps({"event_time": "2024-03-01T11:00:00.000Z", "ticker": "AAPL",
                                            "price": 1.0}).encode(), "PartitionKey": "AAPL"})
        assert kinesis.put_records(StreamName="e2e-ticks", Records=records)["FailedRecordCount"] == 0
        properties = write_properties(tmp_path / "application_properties.json", {
            "consumer.config.0": {"input.stream.name": "e2e-ticks", "aws.region": "us-east-1",
                                  "flink.stream.initpos": "TRIM_HORIZON"},
            "sink.config.0": {"output.bucket.name": "e2e-bucket", "output.prefix": "output/",
                              "output.format": output_format},
            "job.config.0": {"window.seconds": "5", "watermark.seconds": "1", "checkpoint.interval.seconds": "2",
                             "commit.delay.seconds": "0"},
            "kinesis.analytics.flink.run.options": RUN_OPTIONS,
        })
        savepoints = tmp_path / "savepoints"
        runner = RunnerProcess(["--zip", str(packaged_zip), "--properties", str(properties),
                                "--work-dir", str(tmp_path / "work"), "--savepoint-dir", str(savepoints)],
                               env, tmp_path / "runner.err")
        try:
            # Act
            assert runner.next_status(timeout=30) == {"status": "STARTING"}
            running = runner.next_status(timeout=240)
            assert running["status"] == "RUNNING", running
            lines, keys = wait_for_windows(s3, expected_lines=4, timeout=90, output_format=output_format)
            # Windows land on checkpoints, so a completed checkpoint is reported within a metrics round.
            reported = runner.wait_for_report(
                lambda r: r.get("metrics", {}).get("numberOfCompletedCheckpoints", 0) >= 1, timeout=30)
            runner.terminate()
            stopped = runner.next_status(timeout=150)
            exit_code = runner.wait(timeout=60)
        finally:
            runner.kill()

        # Assess
        assert sorted(lines) == EXPECTED_WINDOWS
        assert {"output/ticker=AAPL/_SUCCESS", "output/ticker=MSFT/_SUCCESS"} <= keys
        assert stopped["status"] == "STOPPED"
        assert stopped["savepoint"].startswith(savepoints.resolve().as_uri().replace("file:///", "file:/"))
        assert list(savepoints.glob("savepoint-*/_metadata"))
        assert exit_code == 0
        assert reported, runner.reports
        metrics = [report["metrics"] for report in runner.reports if "metrics" in report]
        assert metrics[-1]["numRestarts"] == 0
        if output_format == "csv":
            assert_restores_without_reprocessing(tmp_path, env, packaged_zip, properties, stopped["savepoint"], s3)


def assert_restores_without_reprocessing(tmp_path: Path, env: dict[str, str], packaged_zip: Path, properties: Path,
                                         savepoint: str, s3) -> None:
    """From the savepoint the job resumes at the stream offsets it had: no window is written twice."""
    # Act
    runner = RunnerProcess(["--zip", str(packaged_zip), "--properties", str(properties),
                            "--work-dir", str(tmp_path / "work-restored"), "--from-savepoint", savepoint],
                           env, tmp_path / "runner-restored.err")
    try:
        assert runner.next_status(timeout=30) == {"status": "STARTING"}
        assert runner.next_status(timeout=240)["status"] == "RUNNING"
        time.sleep(8)  # several checkpoints (every 2 s): anything re-read would be committed by now
        lines, _ = wait_for_windows(s3, expected_lines=5, timeout=1, output_format="csv")
        runner.terminate()
        stopped = runner.next_status(timeout=120)
        exit_code = runner.wait(timeout=60)
    finally:
        runner.kill()

    # Assess
    assert sorted(lines) == EXPECTED_WINDOWS
    assert "from savepoint" in (tmp_path / "work-restored" / "flink.log").read_text().lower()
    assert stopped == {"status": "STOPPED", "savepoint": None}
    assert exit_code == 0


def part_lines(body: bytes, output_format: str) -> list[str]:
    """A part file's rows as CSV lines (Parquet rows rendered the same way, to compare both alike)."""
    if output_format == "csv":
        return [line for line in body.decode().splitlines() if line]
    import io

    import pyarrow.parquet as pq

    stamp = lambda value: value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"  # noqa: E731
    return [f"{stamp(row['window_end'])},{stamp(row['window_start'])},{row['avg_price']},{row['event_count']}"
            for row in pq.read_table(io.BytesIO(body)).to_pylist()]


def wait_for_windows(s3, expected_lines: int, timeout: float,
                     output_format: str) -> tuple[list[tuple[str, str]], set[str]]:
    """Poll the bucket until the committed part files hold the expected number of lines."""
    deadline = time.monotonic() + timeout
    lines: list[tuple[str, str]] = []
    keys: set[str] = set()
    while time.monotonic() < deadline:
        listing = s3.list_objects_v2(Bucket="e2e-bucket", Prefix="output/").get("Contents", [])
        keys = {item["Key"] for item in listing}
        lines = []
        for key in sorted(keys):
            name = key.rsplit("/", 1)[-1]
            if name.startswith("part-"):
                ticker = key.split("ticker=", 1)[1].split("/", 1)[0]
                body = s3.get_object(Bucket="e2e-bucket", Key=key)["Body"].read()
                lines += [(ticker, line) for line in part_lines(body, output_format)]
        # Each partition's _SUCCESS is its own PUT: wait for all of them, not just the first.
        committed = {f"output/ticker={ticker}/_SUCCESS" for ticker, _ in lines}
        if len(lines) >= expected_lines and committed <= keys:
            return lines, keys
        time.sleep(1)
    return lines, keys
