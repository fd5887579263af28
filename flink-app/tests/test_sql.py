"""The DDL and SQL builders, without a cluster."""

from __future__ import annotations

from flinkflow_app.config import JobConfig, SinkConfig, SourceConfig, WindowConfig
from flinkflow_app.sql import job_statements, kinesis_source_options, sql_string

WINDOW = WindowConfig(window_seconds=60, watermark_seconds=5, checkpoint_interval_seconds=60,
                      commit_delay_seconds=60)


def config(output_format: str = "csv", partition_by_time: bool = False, endpoint: str | None = None) -> JobConfig:
    return JobConfig(
        source=SourceConfig("demo-ticks", "us-east-1", "TRIM_HORIZON", endpoint),
        sink=SinkConfig("demo-bucket", "output/", output_format, partition_by_time),
        window=WINDOW,
    )


def test_it_should_read_the_stream_by_name_with_the_legacy_kinesis_connector_options() -> None:
    # Act
    options = kinesis_source_options(config().source)

    # Assess
    assert options["connector"] == "kinesis"
    assert options["stream"] == "demo-ticks"
    assert "stream.arn" not in options
    assert options["scan.stream.initpos"] == "TRIM_HORIZON"
    assert "aws.endpoint" not in options


def test_it_should_set_the_kinesis_endpoint_only_for_a_local_cloud() -> None:
    # Act
    options = kinesis_source_options(config(endpoint="http://127.0.0.1:4567").source)

    # Assess
    assert options["aws.endpoint"] == "http://127.0.0.1:4567"


def test_it_should_declare_the_watermark_and_window_from_the_configuration() -> None:
    # Prepare
    custom = JobConfig(config().source, config().sink, WindowConfig(120, 7, 30, 0))

    # Act
    statements = job_statements(custom)

    # Assess
    assert "WATERMARK FOR event_ts AS event_ts - INTERVAL '7' SECOND" in statements.ddl[0]
    assert "INTERVAL '120' SECOND" in statements.insert
    assert "'sink.partition-commit.delay' = '0 s'" in statements.ddl[2]


def test_it_should_write_csv_lines_partitioned_by_ticker_with_success_files() -> None:
    # Act
    statements = job_statements(config())
    sink = statements.ddl[2]

    # Assess
    assert "PARTITIONED BY (ticker)" in sink
    assert "'path' = 's3a://demo-bucket/output/'" in sink
    assert "'format' = 'raw'" in sink
    assert "'sink.partition-commit.policy.kind' = 'success-file'" in sink
    assert "CONCAT_WS(','" in statements.insert


def test_it_should_write_typed_parquet_columns_partitioned_by_ticker_date_and_hour() -> None:
    # Act
    statements = job_statements(config("parquet", partition_by_time=True))
    sink = statements.ddl[2]

    # Assess
    assert "PARTITIONED BY (ticker, dt, hr)" in sink
    assert "'format' = 'parquet'" in sink
    assert "event_count BIGINT" in sink
    assert "DATE_FORMAT(window_start, 'HH') AS hr" in statements.insert
    assert "CONCAT_WS" not in statements.insert


def test_it_should_quote_values_inside_sql_string_literals() -> None:
    # Act / Assess
    assert sql_string("it's") == "'it''s'"
