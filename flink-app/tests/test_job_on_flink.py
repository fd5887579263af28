"""The job's SQL on a real (local) Flink cluster: exact window rows, formats, lateness, partitions.

The sources are swapped by the pure builders: a JSON file source for the exact-rows tests, and a
rate-limited datagen sequence for lateness, where the order of events and watermarks must be known.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from flinkflow_app.config import WindowConfig
from flinkflow_app.job import submit
from flinkflow_app.sql import JSON_FORMAT_OPTIONS, SourceSchema, pipeline_statements

pytestmark = pytest.mark.flink

WINDOW = WindowConfig(window_seconds=60, watermark_seconds=5, checkpoint_interval_seconds=1,
                      commit_delay_seconds=0)
BASE = datetime(2024, 3, 1, 9, 59, 0)

# (ticker, seconds after BASE, price), in stream order: out of order only within the watermark, so every
# event counts. Timestamps are written with and without the 'Z' of toISOString().
EVENTS = [
    ("AAPL", 1.5, 10.25), ("AAPL", 30.0, 20.75), ("MSFT", 10.0, 5.5), ("AMZN", 59.999, 99.99),
    ("AAPL", 65.0, 30.0), ("MSFT", 62.0, 7.5), ("MSFT", 61.0, 6.5), ("AAPL", 119.0, 40.0),
    ("INTC", 120.0, 1.0), ("TBV", 125.25, 42.42),
]


def iso(seconds: float, zulu: bool) -> str:
    text = (BASE + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
    return text + "Z" if zulu else text


def write_events(path: Path) -> None:
    lines = [json.dumps({"event_time": iso(s, zulu=i % 2 == 0), "ticker": t, "price": p})
             for i, (t, s, p) in enumerate(EVENTS)]
    # Records the job must skip: not JSON, an unreadable time, no ticker.
    lines += ["not json", json.dumps({"event_time": "yesterday", "ticker": "AAPL", "price": 1.0}),
              json.dumps({"event_time": iso(3, True), "price": 1.0})]
    path.mkdir(parents=True)
    (path / "events.json").write_text("\n".join(lines) + "\n")


def expected_rows(events, window_seconds: int = 60):
    """(ticker, window_start, window_end, average, count), computed independently of Flink."""
    groups = defaultdict(list)
    for ticker, seconds, price in events:
        moment = BASE + timedelta(seconds=seconds)
        start = datetime.fromtimestamp(moment.timestamp() // window_seconds * window_seconds)
        groups[(ticker, start)].append(price)
    return sorted((t, s, s + timedelta(seconds=window_seconds), sum(p) / len(p), len(p))
                  for (t, s), p in groups.items())


def run_job(t_env, statements) -> None:
    submit(t_env, statements).wait()


def read_csv_rows(root: Path):
    rows = []
    for part in root.glob("ticker=*/part-*"):
        ticker = part.parent.name.split("=", 1)[1]
        for line in part.read_text().splitlines():
            end, start, price, count = line.split(",")
            rows.append((ticker, datetime.fromisoformat(start), datetime.fromisoformat(end), float(price),
                         int(count)))
    return sorted(rows)


def assert_rows_equal(actual, expected) -> None:
    assert [(t, s, e, c) for t, s, e, _, c in actual] == [(t, s, e, c) for t, s, e, _, c in expected]
    for (_, _, _, got, _), (_, _, _, want, _) in zip(actual, expected):
        assert got == pytest.approx(want, rel=1e-12)


def test_it_should_write_exactly_the_expected_window_rows_as_csv_with_partitions_and_success_files(
        tmp_path: Path, table_env_factory) -> None:
    # Prepare
    source_dir, sink_dir = tmp_path / "in", tmp_path / "out"
    write_events(source_dir)
    statements = pipeline_statements({"connector": "filesystem", "path": str(source_dir), **JSON_FORMAT_OPTIONS},
                                     str(sink_dir), "csv", False, WINDOW)

    # Act
    run_job(table_env_factory(WINDOW), statements)

    # Assess
    assert_rows_equal(read_csv_rows(sink_dir), expected_rows(EVENTS))
    partitions = sorted(p.name for p in sink_dir.iterdir())
    assert partitions == ["ticker=AAPL", "ticker=AMZN", "ticker=INTC", "ticker=MSFT", "ticker=TBV"]
    for partition in sink_dir.iterdir():
        assert (partition / "_SUCCESS").is_file()
        assert not list(partition.glob(".*inprogress*"))


def test_it_should_write_exactly_the_expected_window_rows_as_parquet_partitioned_by_date_and_hour(
        tmp_path: Path, table_env_factory) -> None:
    import pyarrow.parquet as pq

    # Prepare
    source_dir, sink_dir = tmp_path / "in", tmp_path / "out"
    write_events(source_dir)
    statements = pipeline_statements({"connector": "filesystem", "path": str(source_dir), **JSON_FORMAT_OPTIONS},
                                     str(sink_dir), "parquet", True, WINDOW)

    # Act
    run_job(table_env_factory(WINDOW), statements)

    # Assess
    rows, folders = [], set()
    for part in sink_dir.glob("ticker=*/dt=*/hr=*/part-*"):
        ticker, dt, hr = (segment.split("=", 1)[1] for segment in part.parent.relative_to(sink_dir).parts)
        folders.add(part.parent.relative_to(sink_dir).as_posix())
        assert (part.parent / "_SUCCESS").is_file()
        for record in pq.read_table(part).to_pylist():
            start = record["window_start"]
            assert (dt, hr) == (start.strftime("%Y-%m-%d"), start.strftime("%H"))
            rows.append((ticker, start, record["window_end"], record["avg_price"], record["event_count"]))
    assert_rows_equal(sorted(rows), expected_rows(EVENTS))
    # The 09:59 and 10:00 windows land in different hour partitions.
    assert "ticker=AAPL/dt=2024-03-01/hr=09" in folders and "ticker=AAPL/dt=2024-03-01/hr=10" in folders


def test_it_should_count_a_late_but_allowed_event_and_drop_one_beyond_the_watermark(
        tmp_path: Path, table_env_factory) -> None:
    # Prepare: 10 s windows, 5 s watermark, one event every 250 ms and a watermark every 25 ms, so each
    # event's watermark is out before the next event arrives.
    window = WindowConfig(window_seconds=10, watermark_seconds=5, checkpoint_interval_seconds=1,
                          commit_delay_seconds=0)
    sequence = [
        (1, 10.0),     # window [0, 10)
        (12, 20.0),    # watermark 7: [0, 10) still open
        (8, 30.0),     # late (4 s behind the newest) but within the watermark: counted in [0, 10)
        (20, 40.0),    # watermark 15: [0, 10) fires
        (9, 1000.0),   # beyond the watermark: [0, 10) has fired, so it is dropped
        (14, 50.0),    # late but [10, 20) is still open: counted
    ]
    cases = lambda values: " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))  # noqa: E731
    schema = SourceSchema(columns=(
        "idx BIGINT",
        "ticker AS 'AAPL'",
        f"price AS CAST(CASE idx {cases([p for _, p in sequence])} END AS DOUBLE)",
        "event_ts AS TIMESTAMPADD(SECOND, CAST(CASE idx "
        f"{cases([s for s, _ in sequence])} END AS INT), TIMESTAMP '2024-03-01 10:00:00')",
    ))
    source = {"connector": "datagen", "rows-per-second": "4", "fields.idx.kind": "sequence",
              "fields.idx.start": "0", "fields.idx.end": str(len(sequence) - 1)}
    sink_dir = tmp_path / "out"
    statements = pipeline_statements(source, str(sink_dir), "csv", False, window, schema=schema)

    # Act
    run_job(table_env_factory(window, watermark_interval_ms=25), statements)

    # Assess
    start = datetime(2024, 3, 1, 10, 0, 0)
    at = lambda seconds: start + timedelta(seconds=seconds)  # noqa: E731
    assert read_csv_rows(sink_dir) == [
        ("AAPL", at(0), at(10), 20.0, 2),
        ("AAPL", at(10), at(20), 35.0, 2),
        ("AAPL", at(20), at(30), 40.0, 1),
    ]
