"""The job's settings, read from the managed service's property groups.

On Managed Service for Apache Flink the property groups of the application are in
/etc/flink/application_properties.json; locally the file named by FLINKFLOW_PROPERTIES_FILE is read
instead. Every missing or malformed property stops the job before anything starts, with a message
naming the group and the key, because a job that starts with a wrong setting fails much later and far
from its cause.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Mapping, Optional

MANAGED_PROPERTIES_FILE = "/etc/flink/application_properties.json"
PROPERTIES_FILE_ENV = "FLINKFLOW_PROPERTIES_FILE"
KINESIS_ENDPOINT_ENV = "AWS_ENDPOINT_URL_KINESIS"

CONSUMER_GROUP = "consumer.config.0"
SINK_GROUP = "sink.config.0"
JOB_GROUP = "job.config.0"
RUN_OPTIONS_GROUP = "kinesis.analytics.flink.run.options"

INITIAL_POSITIONS = ("LATEST", "TRIM_HORIZON")
OUTPUT_FORMATS = ("csv", "parquet")

_STREAM_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENDPOINT = re.compile(r"^https?://[^\s/]+(:\d+)?/?$")


class PropertyError(ValueError):
    """A property is missing or malformed; the message names the group and the key."""

    def __init__(self, group: str, key: Optional[str], problem: str) -> None:
        where = f"Property group '{group}'" + (f" key '{key}'" if key is not None else "")
        super().__init__(f"{where} {problem}")
        self.group = group
        self.key = key


@dataclass(frozen=True)
class SourceConfig:
    """Where the ticks come from."""

    stream_name: str
    region: str
    initial_position: str
    endpoint: Optional[str]


@dataclass(frozen=True)
class SinkConfig:
    """Where the window rows go."""

    bucket_name: str
    prefix: str
    output_format: str
    partition_by_time: bool


@dataclass(frozen=True)
class WindowConfig:
    """The aggregation and the guarantees around it."""

    window_seconds: int
    watermark_seconds: int
    checkpoint_interval_seconds: int
    commit_delay_seconds: int


@dataclass(frozen=True)
class JobConfig:
    source: SourceConfig
    sink: SinkConfig
    window: WindowConfig


@dataclass(frozen=True)
class RunOptions:
    """The group that tells the managed service what to run: the python file and the jar, zip-relative."""

    python: str
    jarfile: str


def properties_file(env: Mapping[str, str]) -> str:
    """The properties file to read: FLINKFLOW_PROPERTIES_FILE when set, else the managed service's."""
    return env.get(PROPERTIES_FILE_ENV) or MANAGED_PROPERTIES_FILE


def is_local(env: Mapping[str, str]) -> bool:
    """True when the job runs outside the managed service (a local properties file is named)."""
    return bool(env.get(PROPERTIES_FILE_ENV))


def load_property_groups(path: str) -> dict[str, dict[str, str]]:
    """Read the managed service's file: a JSON array of {PropertyGroupId, PropertyMap}."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError as error:
        raise PropertyError("*", None, f"cannot be read: no properties file at {path}; set "
                            f"{PROPERTIES_FILE_ENV} to a local file") from error
    except json.JSONDecodeError as error:
        raise PropertyError("*", None, f"cannot be read: {path} is not valid JSON ({error})") from error
    return parse_property_groups(document, path)


def parse_property_groups(document: object, source: str = "properties") -> dict[str, dict[str, str]]:
    """Turn the decoded JSON into {group: {key: value}}; values must be strings, as the API stores them."""
    if not isinstance(document, list):
        raise PropertyError("*", None, f"cannot be read: {source} must be a JSON array of "
                            "{\"PropertyGroupId\": ..., \"PropertyMap\": {...}}")
    groups: dict[str, dict[str, str]] = {}
    for index, entry in enumerate(document):
        if not isinstance(entry, dict) or not isinstance(entry.get("PropertyGroupId"), str):
            raise PropertyError(f"#{index}", None, f"in {source} has no string PropertyGroupId")
        group = entry["PropertyGroupId"]
        property_map = entry.get("PropertyMap", {})
        if not isinstance(property_map, dict):
            raise PropertyError(group, None, "has a PropertyMap that is not an object")
        for key, value in property_map.items():
            if not isinstance(value, str):
                raise PropertyError(group, key, f"is {json.dumps(value)}; property values are strings, "
                                    f"write \"{value}\"")
        groups[group] = dict(property_map)
    return groups


def job_config_from_groups(groups: Mapping[str, Mapping[str, str]], env: Mapping[str, str]) -> JobConfig:
    """Validate the job's groups and fill in the defaults. The Kinesis endpoint falls back to the
    SDK's standard AWS_ENDPOINT_URL_KINESIS so that a local cloud needs no extra property."""
    reader = _GroupReader(groups)
    endpoint = reader.optional(CONSUMER_GROUP, "aws.endpoint") or env.get(KINESIS_ENDPOINT_ENV) or None
    if endpoint is not None and not _ENDPOINT.match(endpoint):
        raise PropertyError(CONSUMER_GROUP, "aws.endpoint",
                            f"is '{endpoint}'; expected an http(s) URL such as http://127.0.0.1:4567")
    source = SourceConfig(
        stream_name=reader.matching(CONSUMER_GROUP, "input.stream.name", _STREAM_NAME,
                                    "a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -)"),
        region=reader.matching(CONSUMER_GROUP, "aws.region", _REGION, "an AWS region such as us-east-1"),
        initial_position=reader.choice(CONSUMER_GROUP, "flink.stream.initpos", INITIAL_POSITIONS, "LATEST"),
        endpoint=endpoint,
    )
    prefix = reader.optional(SINK_GROUP, "output.prefix")
    prefix = "output/" if prefix is None else prefix
    if prefix.startswith("/") or "//" in prefix:
        raise PropertyError(SINK_GROUP, "output.prefix",
                            f"is '{prefix}'; expected a key prefix without a leading or double slash")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    sink = SinkConfig(
        bucket_name=reader.matching(SINK_GROUP, "output.bucket.name", _BUCKET_NAME,
                                    "an S3 bucket name (3-63 of a-z 0-9 . -)"),
        prefix=prefix,
        output_format=reader.choice(SINK_GROUP, "output.format", OUTPUT_FORMATS, "csv"),
        partition_by_time=reader.boolean(SINK_GROUP, "partition.by.time", False),
    )
    window_seconds = reader.integer(JOB_GROUP, "window.seconds", 60, 1, 3600)
    window = WindowConfig(
        window_seconds=window_seconds,
        watermark_seconds=reader.integer(JOB_GROUP, "watermark.seconds", 5, 0, 600),
        checkpoint_interval_seconds=reader.integer(JOB_GROUP, "checkpoint.interval.seconds", 60, 1, 3600),
        commit_delay_seconds=reader.integer(JOB_GROUP, "commit.delay.seconds", 60, 0, 86400),
    )
    return JobConfig(source=source, sink=sink, window=window)


def run_options_from_groups(groups: Mapping[str, Mapping[str, str]]) -> RunOptions:
    """The `python` and `jarfile` run options, zip-relative paths without '..'."""
    reader = _GroupReader(groups)
    options = []
    for key in ("python", "jarfile"):
        value = reader.required(RUN_OPTIONS_GROUP, key)
        if value.startswith("/") or ".." in value.split("/"):
            raise PropertyError(RUN_OPTIONS_GROUP, key, f"is '{value}'; expected a path inside the zip")
        options.append(value)
    return RunOptions(python=options[0], jarfile=options[1])


def load_job_config(env: Mapping[str, str] = os.environ) -> JobConfig:
    """Read and validate the job's settings from the properties file this environment names."""
    return job_config_from_groups(load_property_groups(properties_file(env)), env)


class _GroupReader:
    def __init__(self, groups: Mapping[str, Mapping[str, str]]) -> None:
        self._groups = groups

    def optional(self, group: str, key: str) -> Optional[str]:
        value = self._groups.get(group, {}).get(key)
        return None if value is None or value.strip() == "" else value.strip()

    def required(self, group: str, key: str) -> str:
        if group not in self._groups:
            raise PropertyError(group, key, "is missing: the property group is not in the application's "
                                "properties")
        value = self.optional(group, key)
        if value is None:
            raise PropertyError(group, key, "is missing or empty")
        return value

    def matching(self, group: str, key: str, pattern: re.Pattern[str], expected: str) -> str:
        value = self.required(group, key)
        if not pattern.match(value):
            raise PropertyError(group, key, f"is '{value}'; expected {expected}")
        return value

    def choice(self, group: str, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.optional(group, key)
        if value is None:
            return default
        if value not in allowed:
            raise PropertyError(group, key, f"is '{value}'; expected one of: {', '.join(allowed)}")
        return value

    def boolean(self, group: str, key: str, default: bool) -> bool:
        value = self.optional(group, key)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise PropertyError(group, key, f"is '{value}'; expected true or false")
        return value.lower() == "true"

    def integer(self, group: str, key: str, default: int, low: int, high: int) -> int:
        value = self.optional(group, key)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d+", value) or not low <= int(value) <= high:
            raise PropertyError(group, key, f"is '{value}'; expected a whole number from {low} to {high}")
        return int(value)
