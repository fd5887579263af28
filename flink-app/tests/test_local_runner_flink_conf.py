"""The runner's --flink-conf option: what the managed service would set from the application's
configuration (checkpointing, parallelism) reaches the Flink configuration of the run, and a bad pair is
refused before anything runs."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from local_runner import RunnerError, flink_configuration, parse_flink_conf, write_flink_conf
from local_servers import aws_env, kinesalite, moto_s3
from runner_process import RunnerProcess

RUN_OPTIONS = {"python": "main.py", "jarfile": "lib/flinkflow-app-deps.jar"}


@pytest.fixture()
def flink_home(tmp_path: Path) -> Path:
    """A stand-in for the PyFlink distribution: only its conf/config.yaml is read."""
    home = tmp_path / "pyflink"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "config.yaml").write_text("env:\n  java:\n    opts:\n      all: --add-opens=java.base/java.lang=ALL-UNNAMED\n")
    return home


def test_it_should_turn_repeated_pairs_into_one_mapping() -> None:
    # Act
    parsed = parse_flink_conf(["execution.checkpointing.interval=10000 ms", "parallelism.default = 2",
                               "pipeline.name=a=b"])

    # Assess
    assert parsed == {"execution.checkpointing.interval": "10000 ms", "parallelism.default": "2",
                      "pipeline.name": "a=b"}


@pytest.mark.parametrize(("pair", "message"), [
    ("parallelism.default", "--flink-conf 'parallelism.default' is not KEY=VALUE; write it like "
                            "--flink-conf execution.checkpointing.interval=10s"),
    ("=2", "--flink-conf '=2' is not KEY=VALUE"),
    ("parallelism.default=", "--flink-conf 'parallelism.default=' is not KEY=VALUE"),
    ("parallelism default=2", "--flink-conf key 'parallelism default' is not a Flink configuration key"),
    ("rest.port=8081", "--flink-conf key 'rest.port' is set by the runner itself"),
])
def test_it_should_refuse_a_malformed_or_runner_owned_pair_saying_what_is_wrong(pair: str, message: str) -> None:
    # Act
    with pytest.raises(RunnerError) as raised:
        parse_flink_conf([pair])

    # Assess
    assert str(raised.value).startswith(message)


def test_it_should_refuse_a_key_given_twice_with_different_values() -> None:
    # Act
    with pytest.raises(RunnerError) as raised:
        parse_flink_conf(["parallelism.default=2", "parallelism.default=3"])

    # Assess
    assert str(raised.value) == ("--flink-conf key 'parallelism.default' is given twice ('2' and '3'); "
                                 "give it once")


def test_it_should_write_the_pairs_into_the_runs_configuration_over_the_runners_defaults(
        tmp_path: Path, flink_home: Path) -> None:
    # Prepare
    overrides = parse_flink_conf(["parallelism.default=2", "execution.checkpointing.interval=10000 ms",
                                  "execution.checkpointing.min-pause=5000 ms"])

    # Act
    config = flink_configuration(tmp_path / "work", tmp_path / "deps.jar", None, {}, flink_home, overrides)
    write_flink_conf(tmp_path / "conf", config, tmp_path / "flink.log")
    written = yaml.safe_load((tmp_path / "conf" / "config.yaml").read_text())

    # Assess
    assert written["parallelism.default"] == "2"
    assert written["execution.checkpointing.interval"] == "10000 ms"
    assert written["execution.checkpointing.min-pause"] == "5000 ms"
    assert written["rest.address"] == "127.0.0.1"  # the runner's own settings are still there
    assert written["env.java.opts.all"] == "--add-opens=java.base/java.lang=ALL-UNNAMED"


def test_it_should_keep_the_runners_defaults_without_pairs(tmp_path: Path, flink_home: Path) -> None:
    # Act
    config = flink_configuration(tmp_path / "work", tmp_path / "deps.jar", None, {}, flink_home)

    # Assess
    assert config["parallelism.default"] == "1"
    assert "execution.checkpointing.interval" not in config


def test_it_should_report_a_malformed_pair_as_failed_before_unpacking_the_zip(tmp_path: Path) -> None:
    # Prepare: a zip that would unpack fine.
    code = tmp_path / "code.zip"
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("main.py", "")
    properties = tmp_path / "application_properties.json"
    properties.write_text(json.dumps([{"PropertyGroupId": "kinesis.analytics.flink.run.options",
                                       "PropertyMap": RUN_OPTIONS}]))
    runner = RunnerProcess(["--zip", str(code), "--properties", str(properties), "--work-dir", str(tmp_path / "work"),
                            "--flink-conf", "parallelism.default"], dict(os.environ), tmp_path / "runner.err")

    # Act
    try:
        exit_code = runner.wait(60)
        statuses = [runner.next_status(timeout=5), runner.next_status(timeout=5)]
    finally:
        runner.kill()

    # Assess
    assert exit_code == 1
    assert statuses == [{"status": "STARTING"},
                        {"status": "FAILED", "error": "--flink-conf 'parallelism.default' is not KEY=VALUE; write it "
                                                      "like --flink-conf execution.checkpointing.interval=10s"}]
    assert not (tmp_path / "work" / "code").exists()


def rest_url(log_file: Path) -> str:
    match = re.search(r"Rest endpoint listening at ([\w.\-]+):(\d+)", log_file.read_text(errors="replace"))
    assert match, f"no REST endpoint in {log_file}"
    return f"http://{match.group(1)}:{match.group(2)}"


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.e2e
def test_it_should_run_the_packaged_job_with_the_checkpointing_and_parallelism_it_was_given(
        tmp_path: Path, packaged_zip: Path) -> None:
    import boto3

    with kinesalite(tmp_path) as kinesis_url, moto_s3(tmp_path) as s3_url:
        # Prepare: the job's own fallback interval is 600 s, so only --flink-conf can explain 3 s.
        env = aws_env(kinesis_url, s3_url)
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        kinesis = session.client("kinesis", endpoint_url=kinesis_url)
        kinesis.create_stream(StreamName="conf-ticks", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="conf-ticks", WaiterConfig={"Delay": 1})
        session.client("s3", endpoint_url=s3_url).create_bucket(Bucket="conf-bucket")
        properties = tmp_path / "application_properties.json"
        properties.write_text(json.dumps([
            {"PropertyGroupId": "consumer.config.0",
             "PropertyMap": {"input.stream.name": "conf-ticks", "aws.region": "us-east-1",
                             "flink.stream.initpos": "TRIM_HORIZON"}},
            {"PropertyGroupId": "sink.config.0", "PropertyMap": {"output.bucket.name": "conf-bucket"}},
            {"PropertyGroupId": "job.config.0", "PropertyMap": {"checkpoint.interval.seconds": "600"}},
            {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": RUN_OPTIONS},
        ]))
        runner = RunnerProcess(["--zip", str(packaged_zip), "--properties", str(properties),
                                "--work-dir", str(tmp_path / "work"),
                                "--flink-conf", "execution.checkpointing.interval=3000 ms",
                                "--flink-conf", "execution.checkpointing.min-pause=1000 ms",
                                "--flink-conf", "parallelism.default=2"],
                               env, tmp_path / "runner.err")
        try:
            # Act
            assert runner.next_status(timeout=30) == {"status": "STARTING"}
            running = runner.next_status(timeout=240)
            assert running["status"] == "RUNNING", running
            base = rest_url(tmp_path / "work" / "flink.log")
            checkpoint_config = get_json(f"{base}/jobs/{running['jobId']}/checkpoints/config")
            job = get_json(f"{base}/jobs/{running['jobId']}")
            deadline = time.monotonic() + 30
            completed = 0
            while completed == 0 and time.monotonic() < deadline:
                completed = get_json(f"{base}/jobs/{running['jobId']}/checkpoints")["counts"]["completed"]
                time.sleep(0.5)
            runner.terminate()
            runner.next_status(timeout=120)
        finally:
            runner.kill()

    # Assess
    assert checkpoint_config["interval"] == 3000
    assert checkpoint_config["min_pause"] == 1000
    assert {vertex["parallelism"] for vertex in job["vertices"]} >= {2}
    assert completed > 0
