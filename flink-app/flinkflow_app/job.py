"""Runs the job on Flink: the only module that needs PyFlink."""

from __future__ import annotations

import os
from typing import Mapping

from pyflink.table import EnvironmentSettings, TableEnvironment, TableResult

from .config import WindowConfig, is_local, load_job_config
from .sql import JobStatements, job_statements


def create_table_environment(window: WindowConfig) -> TableEnvironment:
    """A streaming table environment with exactly-once checkpoints.

    The file sink only commits files on checkpoints, so checkpointing must be on. The managed service
    configures it itself; its settings are kept, and the job's interval applies only where none is set.
    """
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = t_env.get_config()
    if not config.get("execution.checkpointing.interval", ""):
        config.set("execution.checkpointing.interval", f"{window.checkpoint_interval_seconds} s")
    config.set("execution.checkpointing.mode", "EXACTLY_ONCE")
    # The planner's operators copy whatever they keep, so records need not be copied between chained
    # operators (a cheaper path for every event through the window).
    config.set("pipeline.object-reuse", "true")
    return t_env


def submit(t_env: TableEnvironment, statements: JobStatements) -> TableResult:
    """Create the tables and start the streaming INSERT (returns once the job is submitted)."""
    for ddl in statements.ddl:
        t_env.execute_sql(ddl)
    return t_env.execute_sql(statements.insert)


def main(env: Mapping[str, str] = os.environ) -> TableResult:
    """Entry point of the deployed job (main.py calls it)."""
    config = load_job_config(env)
    t_env = create_table_environment(config.window)
    result = submit(t_env, job_statements(config))
    # On the managed service the job runs detached; a local client process must stay until the job ends,
    # or the local cluster it hosts goes away with it.
    if is_local(env):
        result.wait()
    return result
