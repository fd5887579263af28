"""Pre-flight check of a deployable zip, before it is handed to Managed Flink.

    python -m flinkflow_app.preflight <code.zip> --runtime FLINK-1_20 [--properties <file>] [--json]

Checks: the files the run options name are in the zip; the python file compiles; the jar's Flink
connectors were built for the runtime's Flink version; the jar has a `kinesis` table factory (and the
Parquet format); every Kinesis option the job's SQL sets exists in that connector. Exit code 0 when
all pass, 1 otherwise; each problem says what is wrong and how to fix it.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from .config import (
    JobConfig,
    PropertyError,
    RunOptions,
    SinkConfig,
    SourceConfig,
    WindowConfig,
    load_property_groups,
    run_options_from_groups,
)
from .jarstrings import strings_of_classes, strings_of_packages
from .runtimes import DEFAULT_RUNTIME, Runtime, runtime_named
from .sql import JSON_FORMAT_OPTIONS, kinesis_source_options

DEFAULT_RUN_OPTIONS = RunOptions(python="main.py", jarfile="lib/flinkflow-app-deps.jar")
FACTORY_SERVICES = "META-INF/services/org.apache.flink.table.factories.Factory"
# Written by flink-app/pom.xml: Flink's jars drop their pom.properties, so the build records what it bundled.
ARTIFACTS_FILE = "META-INF/flinkflow/flink-artifacts.properties"
# Connector code and the AWS option constants it forwards to (scan.* -> flink.*, aws.*).
CONNECTOR_PACKAGES = (
    "org/apache/flink/streaming/connectors/kinesis/",
    "org/apache/flink/connector/kinesis/",
    "org/apache/flink/connector/aws/",
    "org/apache/flink/kinesis/shaded/org/apache/flink/connector/aws/config/",
)
_MAVEN_PROPERTIES = re.compile(r"^META-INF/maven/org\.apache\.flink/([^/]+)/pom\.properties$")
_CONNECTOR_VERSION = re.compile(r"^\d+\.\d+\.\d+-(\d+\.\d+)$")
_FLINK_VERSION = re.compile(r"^(\d+\.\d+)\.\d+$")


@dataclass
class Report:
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sample_job_config() -> JobConfig:
    """A configuration that turns on every optional Kinesis option the job can set."""
    return JobConfig(
        source=SourceConfig("stream", "us-east-1", "TRIM_HORIZON", "http://127.0.0.1:4567"),
        sink=SinkConfig("bucket", "output/", "parquet", True),
        window=WindowConfig(60, 5, 60, 60),
    )


def kinesis_options_used() -> list[str]:
    """The connector's own options in the job's source (format options belong to the format)."""
    options = kinesis_source_options(sample_job_config().source)
    return [key for key in options if key not in ("connector", *JSON_FORMAT_OPTIONS)]


def flink_artifacts(jar: zipfile.ZipFile) -> dict[str, str]:
    """{artifactId: version} of the org.apache.flink artifacts bundled into the jar."""
    artifacts = {}
    for name in jar.namelist():
        match = _MAVEN_PROPERTIES.match(name)
        if match:
            text = jar.read(name).decode("utf-8", errors="replace")
            version = re.search(r"^version=(.+)$", text, re.MULTILINE)
            if version:
                artifacts[match.group(1)] = version.group(1).strip()
    if ARTIFACTS_FILE in jar.namelist():
        for line in jar.read(ARTIFACTS_FILE).decode("utf-8", errors="replace").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                artifact, version = line.split("=", 1)
                artifacts[artifact.strip()] = version.strip()
    return artifacts


def check_versions(artifacts: dict[str, str], runtime: Runtime, report: Report) -> None:
    connectors = {a: v for a, v in artifacts.items() if _CONNECTOR_VERSION.match(v)}
    if not any("kinesis" in artifact for artifact in connectors):
        report.problems.append(f"the jar declares no Flink Kinesis connector in {ARTIFACTS_FILE}; "
                               "build it with `make flink-jar`")
    for artifact, version in sorted(connectors.items()):
        built_for = _CONNECTOR_VERSION.match(version).group(1)  # type: ignore[union-attr]
        if built_for in runtime.connector_flink_versions:
            report.passed.append(f"{artifact} {version} is built for Flink {built_for}, which {runtime.name} accepts")
        else:
            report.problems.append(
                f"{artifact} {version} is built for Flink {built_for}, but {runtime.name} runs Flink "
                f"{runtime.flink_version}; use a build ending in "
                + " or ".join(f"-{v}" for v in runtime.connector_flink_versions))
    for artifact, version in sorted(artifacts.items()):
        match = _FLINK_VERSION.match(version)
        if artifact in connectors or not match:
            continue
        if match.group(1) != runtime.flink_version:
            report.problems.append(f"{artifact} {version} is from Flink {match.group(1)}, but {runtime.name} runs "
                                   f"Flink {runtime.flink_version}; use {artifact} {runtime.flink_version}.x")


def factory_classes(jar: zipfile.ZipFile) -> list[str]:
    if FACTORY_SERVICES not in jar.namelist():
        return []
    lines = jar.read(FACTORY_SERVICES).decode("utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def check_factories_and_options(jar: zipfile.ZipFile, report: Report) -> None:
    factories = factory_classes(jar)
    identifiers = {factory: strings_of_classes(jar, [factory]) for factory in factories}
    kinesis = [f for f, strings in identifiers.items() if "kinesis" in strings and "Sink" not in f]
    if not kinesis:
        report.problems.append("the jar registers no table source factory for connector 'kinesis' in "
                               f"{FACTORY_SERVICES}; bundle flink-connector-kinesis and merge service files "
                               "(maven-shade ServicesResourceTransformer)")
        return
    report.passed.append(f"connector 'kinesis' is provided by {kinesis[0]}")
    if any("parquet" in strings for strings in identifiers.values()):
        report.passed.append("format 'parquet' is provided")
    else:
        report.problems.append("the jar registers no 'parquet' format factory; bundle flink-parquet "
                               "(output.format=parquet would fail)")
    known = strings_of_packages(jar, CONNECTOR_PACKAGES)
    for option in kinesis_options_used():
        forwarded = "flink." + option[len("scan."):] if option.startswith("scan.") else None
        if option in known or (forwarded is not None and forwarded in known):
            continue
        hint = " (the 5.x Kinesis source takes `stream.arn` instead of `stream`)" if option == "stream" else ""
        report.problems.append(f"the job sets Kinesis option '{option}', which the bundled connector does not "
                               f"define{hint}; use the connector the job is written for (flink-connector-kinesis)")
    if not report.problems:
        report.passed.append("the Kinesis options the job sets exist in the connector: "
                             + ", ".join(kinesis_options_used()))


def check_zip(zip_bytes: bytes, runtime: Runtime, run_options: RunOptions = DEFAULT_RUN_OPTIONS) -> Report:
    """Run every check on the zip's content; never raises for a bad zip, reports it."""
    report = Report()
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile as error:
        report.problems.append(f"the code is not a valid zip file ({error}); rebuild it with `make flink-zip`")
        return report
    names = set(archive.namelist())
    if run_options.python not in names:
        report.problems.append(f"the run option python names '{run_options.python}', which is not in the zip "
                               f"(it holds: {', '.join(sorted(names)[:8])}); put the job's entry point there")
    else:
        source = archive.read(run_options.python)
        try:
            compile(source, run_options.python, "exec")
            report.passed.append(f"{run_options.python} is in the zip and compiles")
        except SyntaxError as error:
            report.problems.append(f"{run_options.python} does not compile: {error}")
    if run_options.jarfile not in names:
        report.problems.append(f"the run option jarfile names '{run_options.jarfile}', which is not in the zip; "
                               "package the shaded jar there (`make flink-zip`)")
        return report
    report.passed.append(f"{run_options.jarfile} is in the zip")
    try:
        jar = zipfile.ZipFile(io.BytesIO(archive.read(run_options.jarfile)))
    except zipfile.BadZipFile as error:
        report.problems.append(f"{run_options.jarfile} is not a valid jar ({error})")
        return report
    check_versions(flink_artifacts(jar), runtime, report)
    check_factories_and_options(jar, report)
    return report


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flinkflow_app.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("zip", help="the deployable zip")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME, help=f"Managed Flink runtime (default {DEFAULT_RUNTIME})")
    parser.add_argument("--properties", help="application_properties.json to read the run options from "
                        f"(default: python={DEFAULT_RUN_OPTIONS.python}, jarfile={DEFAULT_RUN_OPTIONS.jarfile})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    try:
        runtime = runtime_named(args.runtime)
        run_options = (run_options_from_groups(load_property_groups(args.properties))
                       if args.properties else DEFAULT_RUN_OPTIONS)
        with open(args.zip, "rb") as handle:
            zip_bytes = handle.read()
    except (ValueError, PropertyError, OSError) as error:
        report = Report(problems=[str(error)])
    else:
        report = check_zip(zip_bytes, runtime, run_options)
    if args.json:
        print(json.dumps({"ok": report.ok, "passed": report.passed, "problems": report.problems}))
    else:
        for line in report.passed:
            print(f"ok    {line}")
        for line in report.problems:
            print(f"FAIL  {line}")
        print("preflight: " + ("passed" if report.ok else f"{len(report.problems)} problem(s)"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
