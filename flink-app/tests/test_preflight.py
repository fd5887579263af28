"""The pre-flight check of a deployable zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from flinkflow_app.preflight import ARTIFACTS_FILE, FACTORY_SERVICES, check_zip, main
from flinkflow_app.runtimes import runtime_named

RUNTIME = runtime_named("FLINK-1_20")


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_with_jar(jar_entries: dict[str, bytes], main_py: bytes | None = b"print('job')\n") -> bytes:
    entries = {"lib/flinkflow-app-deps.jar": zip_of(jar_entries)}
    if main_py is not None:
        entries["main.py"] = main_py
    return zip_of(entries)


def test_it_should_pass_the_packaged_zip(packaged_zip: Path) -> None:
    # Act
    report = check_zip(packaged_zip.read_bytes(), RUNTIME)

    # Assess
    assert report.problems == []
    assert any("flink-connector-kinesis 4.3.0-1.19" in line for line in report.passed)
    assert any("stream, aws.region, scan.stream.initpos, aws.endpoint" in line for line in report.passed)


def test_it_should_reject_a_connector_built_for_another_flink_version() -> None:
    # Prepare
    code = zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.2.0-1.18\nflink-parquet=1.20.0\n"})

    # Act
    report = check_zip(code, RUNTIME)

    # Assess
    assert ("flink-connector-kinesis 4.2.0-1.18 is built for Flink 1.18, but FLINK-1_20 runs Flink 1.20; "
            "use a build ending in -1.20 or -1.19") in report.problems


def test_it_should_reject_a_flink_module_from_another_minor_version() -> None:
    # Prepare
    code = zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.3.0-1.19\nflink-parquet=1.18.1\n"})

    # Act
    report = check_zip(code, RUNTIME)

    # Assess
    assert any(p.startswith("flink-parquet 1.18.1 is from Flink 1.18") for p in report.problems)


def test_it_should_reject_a_zip_without_the_python_file_the_run_options_name() -> None:
    # Prepare
    code = zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.3.0-1.19\n"}, main_py=None)

    # Act
    report = check_zip(code, RUNTIME)

    # Assess
    assert any(p.startswith("the run option python names 'main.py', which is not in the zip")
               for p in report.problems)


def test_it_should_reject_a_jar_without_a_kinesis_table_factory() -> None:
    # Prepare
    code = zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.3.0-1.19\n", FACTORY_SERVICES: b"\n"})

    # Act
    report = check_zip(code, RUNTIME)

    # Assess
    assert any("registers no table source factory for connector 'kinesis'" in p for p in report.problems)


def test_it_should_reject_a_python_file_that_does_not_compile() -> None:
    # Prepare
    code = zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.3.0-1.19\n"}, main_py=b"def broken(:\n")

    # Act
    report = check_zip(code, RUNTIME)

    # Assess
    assert any(p.startswith("main.py does not compile") for p in report.problems)


def test_it_should_report_a_file_that_is_not_a_zip() -> None:
    # Act
    report = check_zip(b"PK not really", RUNTIME)

    # Assess
    assert report.problems and report.problems[0].startswith("the code is not a valid zip file")


def test_it_should_exit_non_zero_and_print_the_problem_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Prepare
    path = tmp_path / "code.zip"
    path.write_bytes(zip_with_jar({ARTIFACTS_FILE: b"flink-connector-kinesis=4.2.0-1.18\n"}))

    # Act
    exit_code = main([str(path), "--runtime", "FLINK-1_20"])

    # Assess
    output = capsys.readouterr().out
    assert exit_code == 1
    assert "FAIL  flink-connector-kinesis 4.2.0-1.18 is built for Flink 1.18" in output


def test_it_should_name_the_known_runtimes_for_an_unknown_one(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Prepare
    path = tmp_path / "code.zip"
    path.write_bytes(zip_of({"main.py": b""}))

    # Act
    exit_code = main([str(path), "--runtime", "FLINK-1_11"])

    # Assess
    assert exit_code == 1
    assert "unknown runtime 'FLINK-1_11'; expected one of: FLINK-1_20" in capsys.readouterr().out
