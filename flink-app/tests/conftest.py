"""Shared fixtures. PyFlink starts one JVM per Python process, so the Flink tests share it and each
builds only a fresh table environment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(APP_DIR))

JAR = APP_DIR / "target" / "flinkflow-app-deps.jar"
ZIP = APP_DIR / "dist" / "flinkflow-app.zip"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "flink: runs a job on a real (local) Flink cluster")
    config.addinivalue_line("markers", "e2e: starts kinesalite and moto's S3 server and runs the packaged zip")


@pytest.fixture(scope="session")
def connector_jar() -> Path:
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: run `make flink-jar` (make test-flink builds it first)")
    return JAR


@pytest.fixture(scope="session")
def packaged_zip(connector_jar: Path) -> Path:
    if not ZIP.is_file():
        pytest.fail(f"{ZIP} is missing: run `make flink-zip` (make test-flink builds it first)")
    return ZIP


@pytest.fixture()
def table_env_factory(connector_jar: Path):
    """A fresh streaming table environment per job, with the shaded jar on pipeline.jars and no
    restarts (a failure must fail the test, not loop)."""
    from flinkflow_app.config import WindowConfig
    from flinkflow_app.job import create_table_environment

    def create(window: WindowConfig, watermark_interval_ms: int = 200):
        t_env = create_table_environment(window)
        config = t_env.get_config()
        config.set("pipeline.jars", connector_jar.as_uri())
        config.set("parallelism.default", "1")
        config.set("restart-strategy.type", "none")
        config.set("pipeline.auto-watermark-interval", f"{watermark_interval_ms} ms")
        return t_env

    return create
