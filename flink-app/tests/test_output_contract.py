"""The job's output column names are the catalog's: the CSV classifier, the crawl-and-query checks and
the docs take them from workflow/contract.ts (OutputColumns, OutputPartitionColumns), so the job must
write exactly those names, in that order, with matching types."""

from __future__ import annotations

import re
from pathlib import Path

from flinkflow_app.sql import OUTPUT_COLUMNS, partition_columns

CONTRACT = Path(__file__).resolve().parents[2] / "workflow" / "contract.ts"

# The Hive type the catalog lists for each Flink SQL type the job writes.
HIVE_TYPE_OF_FLINK = {"TIMESTAMP(3)": "timestamp", "DOUBLE": "double", "BIGINT": "bigint"}


def contract_output_columns() -> list[tuple[str, str]]:
    source = CONTRACT.read_text()
    block = re.search(r"export const OutputColumns = \[(.*?)\] as const;", source, re.S)
    assert block, f"OutputColumns not found in {CONTRACT}; the test reads it from there"
    return re.findall(r"\{\s*name:\s*'([^']+)',\s*type:\s*'([^']+)'\s*\}", block.group(1))


def contract_partition_columns() -> list[str]:
    source = CONTRACT.read_text()
    block = re.search(r"export const OutputPartitionColumns = \[(.*?)\] as const;", source, re.S)
    assert block, f"OutputPartitionColumns not found in {CONTRACT}"
    return re.findall(r"'([^']+)'", block.group(1))


def test_it_should_write_the_contracts_output_columns_in_its_order_and_types() -> None:
    # Prepare
    expected = contract_output_columns()

    # Act
    written = [(name, HIVE_TYPE_OF_FLINK[sql_type]) for name, sql_type in OUTPUT_COLUMNS]

    # Assess
    assert len(expected) == 4, f"parsed {expected} from {CONTRACT}"
    assert written == expected


def test_it_should_partition_by_the_contracts_partition_columns_in_path_order() -> None:
    # Act
    with_time, without_time = partition_columns(True), partition_columns(False)

    # Assess
    assert with_time == contract_partition_columns()
    assert without_time == contract_partition_columns()[:1]
