"""The property groups: defaults, and errors that name the group and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flinkflow_app.config import (
    PropertyError,
    job_config_from_groups,
    load_job_config,
    load_property_groups,
    run_options_from_groups,
)

MINIMAL = {
    "consumer.config.0": {"input.stream.name": "demo-ticks", "aws.region": "eu-west-1"},
    "sink.config.0": {"output.bucket.name": "flinkflow-demo-123456789012-eu-west-1"},
}


def with_property(group: str, key: str, value: str) -> dict[str, dict[str, str]]:
    groups = {name: dict(values) for name, values in MINIMAL.items()}
    groups.setdefault(group, {})[key] = value
    return groups


def test_it_should_fill_in_every_default_from_the_minimal_groups() -> None:
    # Act
    config = job_config_from_groups(MINIMAL, env={})

    # Assess
    assert config.source.stream_name == "demo-ticks"
    assert config.source.region == "eu-west-1"
    assert config.source.initial_position == "LATEST"
    assert config.source.endpoint is None
    assert config.sink.prefix == "output/"
    assert config.sink.output_format == "csv"
    assert config.sink.partition_by_time is False
    assert (config.window.window_seconds, config.window.watermark_seconds) == (60, 5)
    assert config.window.commit_delay_seconds == 60


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ({"sink.config.0": MINIMAL["sink.config.0"]},
         "Property group 'consumer.config.0' key 'input.stream.name' is missing"),
        (with_property("consumer.config.0", "aws.region", ""),
         "Property group 'consumer.config.0' key 'aws.region' is missing or empty"),
        (with_property("consumer.config.0", "flink.stream.initpos", "EARLIEST"),
         "Property group 'consumer.config.0' key 'flink.stream.initpos' is 'EARLIEST'; expected one of: LATEST, TRIM_HORIZON"),
        (with_property("sink.config.0", "output.format", "orc"),
         "Property group 'sink.config.0' key 'output.format' is 'orc'; expected one of: csv, parquet"),
        (with_property("sink.config.0", "output.bucket.name", "Bad_Bucket"),
         "Property group 'sink.config.0' key 'output.bucket.name' is 'Bad_Bucket'; expected an S3 bucket name"),
        (with_property("sink.config.0", "partition.by.time", "yes"),
         "Property group 'sink.config.0' key 'partition.by.time' is 'yes'; expected true or false"),
        (with_property("job.config.0", "window.seconds", "1m"),
         "Property group 'job.config.0' key 'window.seconds' is '1m'; expected a whole number from 1 to 3600"),
        (with_property("job.config.0", "watermark.seconds", "601"),
         "Property group 'job.config.0' key 'watermark.seconds' is '601'; expected a whole number from 0 to 600"),
        (with_property("consumer.config.0", "aws.endpoint", "127.0.0.1:4567"),
         "Property group 'consumer.config.0' key 'aws.endpoint' is '127.0.0.1:4567'; expected an http(s) URL"),
    ],
)
def test_it_should_name_the_group_and_key_of_a_missing_or_malformed_property(groups, expected) -> None:
    # Act
    with pytest.raises(PropertyError) as raised:
        job_config_from_groups(groups, env={})

    # Assess
    assert str(raised.value).startswith(expected)


def test_it_should_take_the_kinesis_endpoint_from_the_sdk_environment_unless_a_property_sets_it() -> None:
    # Prepare
    env = {"AWS_ENDPOINT_URL_KINESIS": "http://127.0.0.1:4567"}

    # Act
    from_env = job_config_from_groups(MINIMAL, env)
    from_property = job_config_from_groups(
        with_property("consumer.config.0", "aws.endpoint", "http://127.0.0.1:9999"), env)

    # Assess
    assert from_env.source.endpoint == "http://127.0.0.1:4567"
    assert from_property.source.endpoint == "http://127.0.0.1:9999"


def test_it_should_read_the_managed_service_file_named_by_the_environment(tmp_path: Path) -> None:
    # Prepare
    path = tmp_path / "application_properties.json"
    path.write_text(json.dumps([{"PropertyGroupId": g, "PropertyMap": m} for g, m in MINIMAL.items()]))

    # Act
    config = load_job_config({"FLINKFLOW_PROPERTIES_FILE": str(path)})

    # Assess
    assert config.sink.bucket_name == "flinkflow-demo-123456789012-eu-west-1"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON"),
        ('{"consumer.config.0": {}}', "must be a JSON array"),
        ('[{"PropertyGroupId": "job.config.0", "PropertyMap": {"window.seconds": 60}}]',
         "Property group 'job.config.0' key 'window.seconds' is 60; property values are strings"),
    ],
)
def test_it_should_reject_a_properties_file_of_the_wrong_shape(tmp_path: Path, content: str, expected: str) -> None:
    # Prepare
    path = tmp_path / "props.json"
    path.write_text(content)

    # Act
    with pytest.raises(PropertyError) as raised:
        load_property_groups(str(path))

    # Assess
    assert expected in str(raised.value)


def test_it_should_say_which_file_is_missing_and_how_to_point_at_another(tmp_path: Path) -> None:
    # Act
    with pytest.raises(PropertyError) as raised:
        load_property_groups(str(tmp_path / "absent.json"))

    # Assess
    assert "absent.json" in str(raised.value) and "FLINKFLOW_PROPERTIES_FILE" in str(raised.value)


def test_it_should_refuse_run_options_that_point_outside_the_zip() -> None:
    # Prepare
    groups = {"kinesis.analytics.flink.run.options": {"python": "../main.py", "jarfile": "lib/x.jar"}}

    # Act
    with pytest.raises(PropertyError) as raised:
        run_options_from_groups(groups)

    # Assess
    assert "Property group 'kinesis.analytics.flink.run.options' key 'python'" in str(raised.value)


def test_it_should_accept_the_local_properties_file_shipped_with_the_job() -> None:
    # Prepare
    path = Path(__file__).resolve().parents[1] / "application_properties.local.json"

    # Act
    groups = load_property_groups(str(path))
    config = job_config_from_groups(groups, env={})

    # Assess
    assert config.source.initial_position == "TRIM_HORIZON"
    assert run_options_from_groups(groups).jarfile == "lib/flinkflow-app-deps.jar"
