#!/usr/bin/env python3
"""Throughput of the job's windowed aggregation on PyFlink's local cluster with one slot.

    .venv/bin/python bench/flink/bench_job.py --events 2000000 --runs 3

A generated, bounded source (datagen sequence; five tickers; one event per millisecond of event time)
feeds the job's own SQL, built by the same pure functions as the deployed job: the watermark, the
1-minute tumbling window per ticker (average, count, window start and end) and the filesystem sink
(CSV, partitioned by ticker, success files) writing to a temporary directory. Each run is a fresh
process (a cold JVM, as a deployment starts). Peak memory
is the high-water mark of resident memory (VmHWM) of the JVM that hosts the local cluster plus the
Python client. Prints one JSON line per run and a JSON summary with the median.

events/s = events / Flink's net runtime of the job (from its start on the cluster to its end: task
deployment included, client-side planning and submission not); the wall time from submission is
printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "flink-app"
JAR = APP / "target" / "flinkflow-app-deps.jar"
TICKERS = ("AAPL", "AMZN", "MSFT", "INTC", "TBV")


def vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children += [int(child) for child in text]
    return children


def single_run(events: int, window_seconds: int, output_format: str, source_only: bool) -> dict:
    sys.path.insert(0, str(APP))
    from flinkflow_app.config import WindowConfig
    from flinkflow_app.job import create_table_environment, submit
    from flinkflow_app.sql import JobStatements, SourceSchema, pipeline_statements

    window = WindowConfig(window_seconds=window_seconds, watermark_seconds=5, checkpoint_interval_seconds=60,
                          commit_delay_seconds=0)
    tickers = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TICKERS))
    schema = SourceSchema(columns=(
        "idx BIGINT",
        f"ticker AS CASE MOD(idx, {len(TICKERS)}) {tickers} END",
        "price AS CAST(MOD(idx * 7919, 10000) AS DOUBLE) / 100",
        "event_ts AS TIMESTAMPADD(SECOND, CAST(idx / 1000 AS INT), TIMESTAMP '2024-03-01 00:00:00')",
    ))
    source = {"connector": "datagen", "rows-per-second": "1000000000", "fields.idx.kind": "sequence",
              "fields.idx.start": "0", "fields.idx.end": str(events - 1)}
    with tempfile.TemporaryDirectory(prefix="flinkflow-bench-") as out:
        statements = pipeline_statements(source, out, output_format, False, window, schema=schema)
        if source_only:
            # The generator's own ceiling: the same source and filter into a blackhole, no window.
            statements = JobStatements(
                ddl=[statements.ddl[0], statements.ddl[1],
                     "CREATE TABLE sink_blackhole (ticker STRING, price DOUBLE, event_ts TIMESTAMP(3)) "
                     "WITH ('connector' = 'blackhole')"],
                insert="INSERT INTO sink_blackhole SELECT ticker, price, event_ts FROM valid_ticks")
        t_env = create_table_environment(window)
        config = t_env.get_config()
        config.set("pipeline.jars", JAR.as_uri())
        config.set("parallelism.default", "1")
        config.set("restart-strategy.type", "none")
        for key_value in os.environ.get("FLINKFLOW_BENCH_CONFIG", "").split():
            key, value = key_value.split("=", 1)
            config.set(key, value)
        started = time.perf_counter()
        result = submit(t_env, statements)
        result.wait()
        wall_seconds = time.perf_counter() - started
        # Flink's net runtime: from the job's start on the cluster to its end, without the client's
        # planning and the submission (seconds of fixed cost on a busy 2-core machine).
        seconds = result.get_job_client().get_job_execution_result().result().get_net_runtime() / 1000
        rows = sum(len(p.read_text().splitlines()) for p in Path(out).glob("ticker=*/part-*")) \
            if output_format == "csv" and not source_only else None
    jvm_kib = sum(vm_hwm_kib(pid) for pid in child_pids(os.getpid()))
    return {
        "mode": "source-only" if source_only else "job",
        "events": events,
        "seconds": round(seconds, 3),
        "wall_seconds_from_submission": round(wall_seconds, 3),
        "events_per_second": round(events / seconds),
        "window_rows": rows,
        "peak_rss_mib": round((jvm_kib + vm_hwm_kib(os.getpid())) / 1024),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window-seconds", type=int, default=60)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the source-only runs that show the generator's ceiling")
    args = parser.parse_args()
    if not JAR.is_file():
        raise SystemExit(f"{JAR} is missing: run `make flink-jar`")
    if args.single:
        print(json.dumps(single_run(args.events, args.window_seconds, args.format, args.source_only)))
        return 0
    results, baseline = [], []
    modes = [False] if args.no_baseline else [False, True]
    # Job and source-only runs alternate, so that both see the same machine load.
    for run in range(args.runs):
        for source_only in modes:
            command = [sys.executable, __file__, "--single", "--events", str(args.events),
                       "--window-seconds", str(args.window_seconds), "--format", args.format]
            completed = subprocess.run(command + (["--source-only"] if source_only else []),
                                       capture_output=True, text=True)
            if completed.returncode != 0:
                raise SystemExit(f"run {run + 1} failed:\n{completed.stderr[-3000:]}")
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            (baseline if source_only else results).append(result)
            print(json.dumps({"run": run + 1, **result, "load_average_1m": os.getloadavg()[0]}), flush=True)
    summary = {
        "events": args.events,
        "runs": args.runs,
        "format": args.format,
        "median_events_per_second": round(statistics.median(r["events_per_second"] for r in results)),
        "max_peak_rss_mib": max(r["peak_rss_mib"] for r in results),
        "target_events_per_second": 200_000,
    }
    summary["meets_target"] = summary["median_events_per_second"] >= summary["target_events_per_second"]
    if baseline:
        summary["source_only_median_events_per_second"] = round(
            statistics.median(r["events_per_second"] for r in baseline))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
