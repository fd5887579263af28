"""The job's DDL and SQL, built by pure functions from its configuration.

The source table's connector options are a parameter, so tests swap Kinesis for a file or datagen
source and S3 for a local path while running the very same window query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from .config import JobConfig, SinkConfig, SourceConfig, WindowConfig

SOURCE_TABLE = "ticks"
VALID_VIEW = "valid_ticks"
SINK_TABLE = "ticker_window_averages"
KINESIS_CONNECTOR = "kinesis"


@dataclass(frozen=True)
class SourceSchema:
    """Columns of a source table (physical or `name AS expression`) and its event-time column."""

    columns: Sequence[str]
    rowtime: str = "event_ts"


# The JSON events: {"event_time": ISO-8601, "ticker": "AAPL", "price": 12.34}. `event_time` is read as
# text and cast, because Flink's JSON ISO-8601 TIMESTAMP parser rejects the trailing 'Z' that
# JavaScript's toISOString() writes. An unreadable time becomes the epoch rather than NULL: the watermark
# assigner runs before any filter and fails the job on a NULL time; the view below drops those events.
UNREADABLE_TIME = "TIMESTAMP '1970-01-01 00:00:00.000'"
JSON_TICKS_SCHEMA = SourceSchema(columns=(
    "ticker VARCHAR(6)",
    "price DOUBLE",
    "event_time STRING",
    "event_ts AS COALESCE(TRY_CAST(REPLACE(REPLACE(event_time, 'T', ' '), 'Z', '') AS TIMESTAMP(3)), "
    + UNREADABLE_TIME + ")",
))

# Ignore unparsable records: one poison record would otherwise fail and restart the job forever.
JSON_FORMAT_OPTIONS: Mapping[str, str] = {
    "format": "json",
    "json.ignore-parse-errors": "true",
    "json.fail-on-missing-field": "false",
}


@dataclass(frozen=True)
class JobStatements:
    """What the job executes: the DDL in order, then one INSERT that is the streaming job."""

    ddl: Sequence[str]
    insert: str
    extra: Mapping[str, str] = field(default_factory=dict)


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def with_clause(options: Mapping[str, str]) -> str:
    lines = [f"  {sql_string(key)} = {sql_string(value)}" for key, value in options.items()]
    return "WITH (\n" + ",\n".join(lines) + "\n)"


def kinesis_source_options(source: SourceConfig) -> dict[str, str]:
    """Options of flink-connector-kinesis' table source (`stream`, not the 5.x source's `stream.arn`).

    `scan.stream.initpos` is forwarded to the consumer as `flink.stream.initpos`. An endpoint is set only
    for a local cloud; credentials come from the default AWS chain.
    """
    options = {
        "connector": KINESIS_CONNECTOR,
        "stream": source.stream_name,
        "aws.region": source.region,
        "scan.stream.initpos": source.initial_position,
    }
    if source.endpoint is not None:
        options["aws.endpoint"] = source.endpoint
    options.update(JSON_FORMAT_OPTIONS)
    return options


def source_ddl(table: str, schema: SourceSchema, options: Mapping[str, str], watermark_seconds: int) -> str:
    """CREATE TABLE for the events, with the watermark that bounds how late an event may be."""
    columns = [f"  {column}" for column in schema.columns]
    columns.append(f"  WATERMARK FOR {schema.rowtime} AS {schema.rowtime} - INTERVAL '{watermark_seconds}' SECOND")
    return f"CREATE TABLE {table} (\n" + ",\n".join(columns) + "\n) " + with_clause(options)


def valid_events_view_sql(source_table: str, view: str, rowtime: str = "event_ts") -> str:
    """A view without the events that lack a readable time, a ticker or a price."""
    return (f"CREATE TEMPORARY VIEW {view} AS SELECT ticker, price, {rowtime} FROM {source_table} "
            f"WHERE {rowtime} > {UNREADABLE_TIME} AND ticker IS NOT NULL AND price IS NOT NULL")


def partition_columns(partition_by_time: bool) -> list[str]:
    return ["ticker", "dt", "hr"] if partition_by_time else ["ticker"]


# The output's data columns, in file order (the partition columns live in the path, Hive-style). The
# names are the catalog's (workflow/contract.ts OutputColumns; tests/test_output_contract.py ties them).
OUTPUT_COLUMNS = (
    ("window_end", "TIMESTAMP(3)"),
    ("window_start", "TIMESTAMP(3)"),
    ("avg_price", "DOUBLE"),
    ("event_count", "BIGINT"),
)
CSV_LINE_COLUMN = "csv_line"
CSV_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS"


def sink_columns(output_format: str, partition_by_time: bool) -> list[str]:
    """Parquet gets the typed columns. CSV gets one text column holding the comma-joined line and is
    written with the `raw` format: Flink 1.20's `csv` format writes through a bulk writer that fails on
    S3 at the first checkpoint ("Stream closed", FLINK-33536), while `raw` takes the row-wise path."""
    if output_format == "csv":
        columns = [f"{CSV_LINE_COLUMN} STRING"]
    else:
        columns = [f"{name} {sql_type}" for name, sql_type in OUTPUT_COLUMNS]
    columns.append("ticker VARCHAR(6)")
    if partition_by_time:
        columns += ["dt STRING", "hr STRING"]
    return columns


def output_path(sink: SinkConfig) -> str:
    return f"s3a://{sink.bucket_name}/{sink.prefix}"


def filesystem_sink_options(path: str, output_format: str, window: WindowConfig) -> dict[str, str]:
    """Filesystem sink: partition commit writes _SUCCESS files; files roll about once per window.

    Files become visible only when a checkpoint completes, so the checkpoint interval bounds the latency.
    Parquet (a bulk format) rolls on every checkpoint whatever the policy says.
    """
    roll_seconds = max(window.window_seconds, 10)
    return {
        "connector": "filesystem",
        "path": path,
        "format": "raw" if output_format == "csv" else output_format,
        "sink.partition-commit.trigger": "process-time",
        "sink.partition-commit.delay": f"{window.commit_delay_seconds} s",
        "sink.partition-commit.policy.kind": "success-file",
        "sink.rolling-policy.file-size": "128MB",
        "sink.rolling-policy.rollover-interval": f"{roll_seconds} s",
        "sink.rolling-policy.inactivity-interval": f"{roll_seconds} s",
        "sink.rolling-policy.check-interval": f"{min(roll_seconds, 60)} s",
    }


def sink_ddl(table: str, options: Mapping[str, str], output_format: str, partition_by_time: bool) -> str:
    columns = ",\n".join(f"  {column}" for column in sink_columns(output_format, partition_by_time))
    partitions = ", ".join(partition_columns(partition_by_time))
    return f"CREATE TABLE {table} (\n{columns}\n) PARTITIONED BY ({partitions}) " + with_clause(options)


def window_aggregate_sql(view: str, window_seconds: int, partition_by_time: bool,
                         rowtime: str = "event_ts") -> str:
    """Tumbling event-time window per ticker: window end and start, average price and event count, named
    and ordered as OUTPUT_COLUMNS."""
    time_partitions = ""
    if partition_by_time:
        time_partitions = (",\n  DATE_FORMAT(window_start, 'yyyy-MM-dd') AS dt,"
                           "\n  DATE_FORMAT(window_start, 'HH') AS hr")
    return (
        "SELECT\n"
        "  window_end,\n"
        "  window_start,\n"
        "  AVG(price) AS avg_price,\n"
        "  COUNT(*) AS event_count,\n"
        f"  ticker{time_partitions}\n"
        f"FROM TABLE(TUMBLE(TABLE {view}, DESCRIPTOR({rowtime}), INTERVAL '{window_seconds}' SECOND))\n"
        "GROUP BY ticker, window_start, window_end"
    )


def window_insert_sql(view: str, sink_table: str, window_seconds: int, output_format: str,
                      partition_by_time: bool, rowtime: str = "event_ts") -> str:
    """INSERT the window rows into the sink, as typed columns or as CSV lines."""
    aggregate = window_aggregate_sql(view, window_seconds, partition_by_time, rowtime)
    if output_format != "csv":
        return f"INSERT INTO {sink_table}\n{aggregate}"
    rest = ", ".join(partition_columns(partition_by_time))
    line = ("CONCAT_WS(',', "
            f"DATE_FORMAT(window_end, '{CSV_TIMESTAMP_FORMAT}'), "
            f"DATE_FORMAT(window_start, '{CSV_TIMESTAMP_FORMAT}'), "
            "CAST(avg_price AS STRING), CAST(event_count AS STRING))")
    return f"INSERT INTO {sink_table}\nSELECT {line} AS {CSV_LINE_COLUMN}, {rest}\nFROM (\n{aggregate}\n)"


def pipeline_statements(source_options: Mapping[str, str], sink_path: str, output_format: str,
                        partition_by_time: bool, window: WindowConfig,
                        schema: SourceSchema = JSON_TICKS_SCHEMA) -> JobStatements:
    """The whole job for any source options and sink path (tests pass local ones)."""
    return JobStatements(
        ddl=[
            source_ddl(SOURCE_TABLE, schema, source_options, window.watermark_seconds),
            valid_events_view_sql(SOURCE_TABLE, VALID_VIEW, schema.rowtime),
            sink_ddl(SINK_TABLE, filesystem_sink_options(sink_path, output_format, window), output_format,
                     partition_by_time),
        ],
        insert=window_insert_sql(VALID_VIEW, SINK_TABLE, window.window_seconds, output_format,
                                 partition_by_time, schema.rowtime),
    )


def job_statements(config: JobConfig, sink_path: Optional[str] = None) -> JobStatements:
    """The deployed job: Kinesis in, S3 out."""
    return pipeline_statements(
        kinesis_source_options(config.source),
        sink_path if sink_path is not None else output_path(config.sink),
        config.sink.output_format,
        config.sink.partition_by_time,
        config.window,
    )
