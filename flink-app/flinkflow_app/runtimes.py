"""The Managed Flink runtimes the job can be packaged for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Runtime:
    """A managed runtime: its Flink minor version, its Python, and the Flink versions whose connector
    builds it accepts (a connector's version ends with the Flink version it was built for)."""

    name: str
    flink_version: str
    python_version: str
    connector_flink_versions: tuple[str, ...]


# FLINK-1_20 also accepts connectors built for 1.19: Flink 1.20 kept the connector APIs of 1.19, the
# newest Kinesis table connector this project can resolve here is 4.3.0-1.19 (5.0.0-1.20 is not
# served by the registry we build from), and the end-to-end test runs that build on Flink 1.20.
RUNTIMES: dict[str, Runtime] = {
    "FLINK-1_20": Runtime("FLINK-1_20", "1.20", "3.11", ("1.20", "1.19")),
}
DEFAULT_RUNTIME = "FLINK-1_20"


def runtime_named(name: str) -> Runtime:
    if name not in RUNTIMES:
        raise ValueError(f"unknown runtime '{name}'; expected one of: {', '.join(sorted(RUNTIMES))}")
    return RUNTIMES[name]
