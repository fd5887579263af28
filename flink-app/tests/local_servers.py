"""A Kinesis-API server (kinesalite) and an S3-API server (moto) on 127.0.0.1, started by the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]
KINESALITE = REPO / "node_modules" / ".bin" / "kinesalite"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before listening on {port}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error for GET /
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@contextmanager
def started(command: list[str], port: int, name: str, log: Path) -> Iterator[str]:
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_listening(port, process, name)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def kinesalite(log_dir: Path) -> Iterator[str]:
    if not KINESALITE.exists():
        raise RuntimeError(f"{KINESALITE} is missing: run `make node-deps`")
    port = free_port()
    with started([str(KINESALITE), "--port", str(port), "--createStreamMs", "0"], port, "kinesalite",
                 log_dir / "kinesalite.log") as url:
        yield url


@contextmanager
def moto_s3(log_dir: Path) -> Iterator[str]:
    port = free_port()
    with started([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], port, "moto_server",
                 log_dir / "moto.log") as url:
        yield url


def aws_env(kinesis_url: str, s3_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_KINESIS": kinesis_url, "AWS_ENDPOINT_URL_S3": s3_url,
    })
    return env
