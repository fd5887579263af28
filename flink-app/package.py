#!/usr/bin/env python3
"""Build the deployable zip: main.py, the flinkflow_app package and lib/<the shaded jar>.

    python flink-app/package.py [--jar flink-app/target/flinkflow-app-deps.jar] [--out flink-app/dist/flinkflow-app.zip]

Entries carry a fixed timestamp so that the same sources give the same zip (the redeploy workflow keys
on the object's content).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
JAR_NAME = "flinkflow-app-deps.jar"
PYTHON_ENTRY = "main.py"
JAR_ENTRY = f"lib/{JAR_NAME}"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def package_files(app_dir: Path, jar: Path) -> list[tuple[str, Path]]:
    """(name in zip, source file), sorted: the entry point, the package's modules, the jar."""
    files = [(PYTHON_ENTRY, app_dir / PYTHON_ENTRY)]
    files += sorted((f"flinkflow_app/{path.name}", path) for path in (app_dir / "flinkflow_app").glob("*.py"))
    files.append((JAR_ENTRY, jar))
    return files


def build_zip(app_dir: Path, jar: Path, out: Path) -> Path:
    if not jar.is_file():
        raise SystemExit(f"package: the jar {jar} does not exist; run `make flink-jar` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, source in package_files(app_dir, jar):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            # Jars are already compressed; storing them saves time and nothing else.
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".jar") else zipfile.ZIP_DEFLATED
            with open(source, "rb") as handle, archive.open(info, "w") as target:
                while chunk := handle.read(1 << 20):
                    target.write(chunk)
    partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default=str(HERE / "target" / JAR_NAME))
    parser.add_argument("--out", default=str(HERE / "dist" / "flinkflow-app.zip"))
    args = parser.parse_args(argv)
    out = build_zip(HERE, Path(args.jar), Path(args.out))
    print(f"package: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
