"""How long moto_server_main.py takes to save and load moto's state, at the sink's scale and beyond.

Fills moto's S3 in this process (the same backends the server holds) with N small objects (the sink's
window files are a few KiB) and M large ones, then times save_state and load_state, the two halves of a
`flinkflow local down` / `up`. The stop's grace and the start's timeout in local/s3/moto-server.ts are
sized from these figures (docs/benchmarks.md).

Usage: python bench/local/moto_state_bench.py [--small 20000] [--large 10] [--large-mib 20]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "local", "s3"))

import moto_server_main as server  # noqa: E402
from moto import mock_aws  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=20000)
    parser.add_argument("--large", type=int, default=10)
    parser.add_argument("--large-mib", type=int, default=20)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="flinkflow-moto-bench-")
    try:
        with mock_aws():
            backend = server.moto_backends.get_backend("s3")["000000000000"]["aws"]
            backend.create_bucket("bench-bucket", "us-east-1")
            for i in range(args.small):
                backend.put_object("bench-bucket", f"sink/part-{i:06d}.csv", b"x" * 2048)
            for i in range(args.large):
                backend.put_object("bench-bucket", f"big/{i}", b"y" * (args.large_mib * 1024 * 1024))
            started = time.monotonic()
            server.save_state(folder)
            saved = time.monotonic() - started
            size = os.path.getsize(os.path.join(folder, server.STATE_FILE))
            started = time.monotonic()
            server.load_state(folder)
            loaded = time.monotonic() - started
            keys = len(server.moto_backends.get_backend("s3")["000000000000"]["aws"].buckets["bench-bucket"].keys)
        mib = size / 1024 / 1024
        print(
            f"{args.small} small + {args.large} x {args.large_mib} MiB objects: {mib:.0f} MiB saved in {saved:.2f} s "
            f"({mib / saved:.0f} MiB/s), loaded in {loaded:.2f} s ({mib / loaded:.0f} MiB/s), {keys} keys back"
        )
        if keys != args.small + args.large:
            raise SystemExit(f"loaded {keys} keys, {args.small + args.large} were saved")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
