#!/usr/bin/env python3
"""Run the deployable zip on PyFlink's local cluster, the way Managed Service for Apache Flink runs it.

    python flink-app/local_runner.py --zip <code.zip> --properties <application_properties.json> \\
        --work-dir <dir> [--savepoint-dir <dir>] [--from-savepoint <path>] [--flink-conf KEY=VALUE ...]

The contract (docs/flink-app.md): standard output carries one JSON line per status change
(STARTING, RUNNING with the job id, FAILED with a readable error and exit 1, STOPPED after SIGTERM with
the savepoint and exit 0, FINISHED when the job ends by itself); logs go to standard error and to
<work-dir>/flink.log. Endpoints and credentials come from the SDK's standard environment variables.

How: the job's python file runs through Flink's own CLI (`flink run --target local --python ...`), as
on the managed service, with a Flink configuration written for the run (the jar on pipeline.jars, S3
endpoint and path-style access, restart strategy, loopback addresses) plus the `--flink-conf` pairs,
which carry what the managed service would set from the application's configuration (checkpointing,
parallelism). The runner follows the job through the local cluster's REST API, which also stops it
with a savepoint.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Optional, TextIO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from flinkflow_app.config import (  # noqa: E402  (after the path set-up above)
    PROPERTIES_FILE_ENV,
    PropertyError,
    load_property_groups,
    run_options_from_groups,
)

LOCAL_LIB_ENV = "FLINKFLOW_LOCAL_LIB"
DEFAULT_LOCAL_LIB = HERE / "target" / "local-lib"
START_TIMEOUT_SECONDS = float(os.environ.get("FLINKFLOW_START_TIMEOUT_SECONDS", "240"))
SAVEPOINT_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.5
RESTART_DELAY = os.environ.get("FLINKFLOW_RESTART_DELAY", "1 s")
# How often the job's metrics are read over REST; a line is printed when they change.
METRICS_SECONDS = float(os.environ.get("FLINKFLOW_METRICS_SECONDS", "2"))

# Keys the runner must own to find, follow and stop the job it started, or to run the zip's code at all;
# a --flink-conf pair may set anything else (and wins over the runner's own value).
RUNNER_OWNED_KEYS = frozenset({
    "jobmanager.bind-host", "jobmanager.rpc.address", "taskmanager.bind-host", "taskmanager.host",
    "rest.address", "rest.bind-address", "rest.port", "pipeline.jars", "python.client.executable",
    "python.executable", "state.savepoints.dir", "io.tmp.dirs",
})
_FLINK_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_JOB_ID = re.compile(r"Job has been submitted with JobID ([0-9a-f]{32})")
_REST_ENDPOINT = re.compile(r"Rest endpoint listening at ([\w.\-]+):(\d+)")


def ran_before(state: dict[str, Any]) -> bool:
    """Whether Flink's job detail says the job was RUNNING at some point: its `timestamps` map keeps the
    time it last entered each status (0 for one never entered)."""
    timestamps = state.get("timestamps")
    if not isinstance(timestamps, dict):
        return False
    entered = timestamps.get("RUNNING")
    return isinstance(entered, (int, float)) and entered > 0


class RunnerError(Exception):
    """The zip or its configuration cannot run; the message says what to fix."""


def emit(status: dict[str, Any]) -> None:
    """One status line on standard output (the only thing ever written there)."""
    sys.stdout.write(json.dumps(status, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Log:
    """Writes to standard error and to <work-dir>/flink.log (which Flink's own log4j also appends to)."""

    def __init__(self, path: Path) -> None:
        self._file: TextIO = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            self._file.write(text + "\n")
            self._file.flush()

    def runner(self, text: str) -> None:
        self.line(f"[local_runner] {text}")


def pyflink_home() -> Path:
    import pyflink  # the venv's PyFlink is the Flink distribution the job runs on

    return Path(pyflink.__file__).resolve().parent


def s3_filesystem_jar() -> Path:
    """flink-s3-fs-hadoop goes on the JVM class path (the managed runtime provides it; locally we do)."""
    directory = Path(os.environ.get(LOCAL_LIB_ENV, str(DEFAULT_LOCAL_LIB)))
    jars = sorted(glob.glob(str(directory / "flink-s3-fs-hadoop-*.jar")))
    if not jars:
        raise RunnerError(f"the S3 file system jar (flink-s3-fs-hadoop-*.jar) is not in {directory}; "
                          f"run `make flink-jar` or set {LOCAL_LIB_ENV}")
    return Path(jars[-1])


def unpack(zip_path: Path, code_dir: Path) -> None:
    if not zip_path.is_file():
        raise RunnerError(f"the code zip {zip_path} does not exist")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            root = code_dir.resolve()
            for name in archive.namelist():
                # is_relative_to, not a string prefix: `../code-x/f` starts with the string of `.../code`.
                if not (code_dir / name).resolve().is_relative_to(root):
                    raise RunnerError(f"the code zip has an entry outside its root: {name}")
            archive.extractall(code_dir)
    except zipfile.BadZipFile as error:
        raise RunnerError(f"the code zip {zip_path} is not a valid zip file ({error})") from error


def yaml_value(value: str) -> str:
    # A JSON string is a valid YAML scalar, whatever it holds.
    return json.dumps(value)


def java_opts_from_distribution(home: Path) -> str:
    """The --add-opens flags PyFlink's own config.yaml carries (Flink needs them on Java 17)."""
    text = (home / "conf" / "config.yaml").read_text(encoding="utf-8")
    match = re.search(r"^\s+all:\s*(--.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else ""


def flink_configuration(work_dir: Path, jar: Path, savepoint_dir: Optional[str],
                        env: dict[str, str], home: Path,
                        overrides: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The cluster configuration the managed service would provide, for a local run; `overrides` (the
    --flink-conf pairs) win over the runner's defaults."""
    config = {
        "env.java.opts.all": java_opts_from_distribution(home),
        "jobmanager.bind-host": "127.0.0.1",
        "jobmanager.rpc.address": "127.0.0.1",
        "taskmanager.bind-host": "127.0.0.1",
        "taskmanager.host": "127.0.0.1",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": "0",
        "parallelism.default": "1",
        "pipeline.jars": jar.resolve().as_uri(),
        "python.client.executable": sys.executable,
        "python.executable": sys.executable,
        # As on the managed service, a job that fails after it ran is restarted without limit (Flink's own
        # default with checkpointing on is fixed-delay with Integer.MAX_VALUE attempts; the service keeps it,
        # "Implement fault tolerance in Managed Service for Apache Flink"). The delay is shorter than the
        # service's 10 s to keep local runs quick. A job that fails before it RUNS is still reported FAILED:
        # follow() fails the run at its first restart before RUNNING.
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": str(2**31 - 1),
        "restart-strategy.fixed-delay.delay": RESTART_DELAY,
        # A killed process leaves its newest checkpoint behind; keep it on cancellation too, so that the
        # endpoint can restart the job from it (docs/local-flink.md, "Process death").
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "state.checkpoints.dir": (work_dir / "checkpoints").resolve().as_uri(),
        "io.tmp.dirs": str((work_dir / "tmp").resolve()),
    }
    if savepoint_dir:
        config["state.savepoints.dir"] = savepoint_uri(savepoint_dir)
    s3_endpoint = env.get("AWS_ENDPOINT_URL_S3")
    if s3_endpoint:
        config["s3.endpoint"] = s3_endpoint
        config["s3.path.style.access"] = "true"
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region:
            config["s3.endpoint.region"] = region
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            config["s3.access-key"] = env["AWS_ACCESS_KEY_ID"]
            config["s3.secret-key"] = env["AWS_SECRET_ACCESS_KEY"]
        if s3_endpoint.startswith("http://"):
            config["s3.connection.ssl.enabled"] = "false"
    config.update(overrides or {})
    return config


def parse_flink_conf(pairs: list[str]) -> dict[str, str]:
    """The --flink-conf KEY=VALUE pairs as a mapping; a malformed, repeated or runner-owned key is an error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not separator or not key or not value:
            raise RunnerError(f"--flink-conf '{pair}' is not KEY=VALUE; write it like "
                              f"--flink-conf execution.checkpointing.interval=10s")
        if not _FLINK_KEY.match(key):
            raise RunnerError(f"--flink-conf key '{key}' is not a Flink configuration key (letters, digits, "
                              f"'.', '-' and '_' only), e.g. parallelism.default")
        if key in RUNNER_OWNED_KEYS:
            raise RunnerError(f"--flink-conf key '{key}' is set by the runner itself (it needs it to run and "
                              f"follow the job); leave it out")
        if key in parsed and parsed[key] != value:
            raise RunnerError(f"--flink-conf key '{key}' is given twice ('{parsed[key]}' and '{value}'); "
                              f"give it once")
        parsed[key] = value
    return parsed


def savepoint_uri(path: str) -> str:
    return path if "://" in path else Path(path).resolve().as_uri()


def completed_savepoint(directory: Path, since: float) -> Optional[str]:
    """The newest savepoint under `directory` whose _metadata was written at or after `since` (epoch
    seconds), as Flink reports savepoint locations (`file:/...`); None if there is none."""
    candidates = [meta for meta in directory.glob("savepoint-*/_metadata") if meta.stat().st_mtime >= since - 1]
    if not candidates:
        return None
    newest = max(candidates, key=lambda meta: meta.stat().st_mtime)
    return "file:" + str(newest.parent.resolve())


def write_flink_conf(conf_dir: Path, config: dict[str, str], log_file: Path) -> None:
    conf_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}: {yaml_value(value)}" for key, value in config.items()]
    (conf_dir / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The CLI logs through log4j-cli.properties; send it to <work-dir>/flink.log.
    (conf_dir / "log4j-cli.properties").write_text(
        "rootLogger.level = INFO\n"
        "rootLogger.appenderRef.file.ref = FileAppender\n"
        "appender.file.name = FileAppender\n"
        "appender.file.type = FILE\n"
        "appender.file.append = true\n"
        f"appender.file.fileName = {log_file}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c [%t] %x - %m%n\n"
        "logger.akka.name = akka\nlogger.akka.level = WARN\n"
        "logger.pekko.name = org.apache.pekko\nlogger.pekko.level = WARN\n"
        "logger.kafka.name = org.apache.kafka\nlogger.kafka.level = WARN\n"
        "logger.hadoop.name = org.apache.hadoop\nlogger.hadoop.level = WARN\n"
        "logger.zookeeper.name = org.apache.zookeeper\nlogger.zookeeper.level = WARN\n",
        encoding="utf-8",
    )


def readable_error(output: list[str]) -> str:
    """The job's error from the CLI's output: the Python exception, or the deepest Java cause."""
    python_error = None
    for index, line in enumerate(output):
        if line.startswith("Traceback (most recent call last):"):
            for follower in output[index + 1:]:
                if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", follower):
                    python_error = follower.strip()
                    break
    causes = [line.strip()[len("Caused by: "):] for line in output if line.strip().startswith("Caused by: ")]
    generic = ("ProgramInvocationException", "ProgramAbortException", "Python process exits with code")
    useful_causes = [cause for cause in causes if not any(word in cause for word in generic)]
    if python_error and "Py4JJavaError" not in python_error:
        return python_error
    if useful_causes:
        return useful_causes[-1]
    if python_error:
        return python_error
    exceptions = [line.strip() for line in output
                  if re.match(r"^[a-z][\w.$]*\.[A-Z]\w*(Exception|Error)\b", line.strip())]
    if exceptions:
        return exceptions[0]
    tail = [line.strip() for line in output if line.strip() and not line.strip().startswith("at ")][-3:]
    return " | ".join(tail) if tail else "the job's process exited without output"


def stack_error(stack: str) -> str:
    """The readable error of a Flink stack trace: a Python UDF's exception when the trace carries one
    (Beam wraps the worker's traceback in a Java exception's message), else the deepest Java cause."""
    lines = stack.splitlines()
    for index, line in enumerate(lines):
        if "Traceback (most recent call last):" in line:
            for follower in lines[index + 1:]:
                if re.match(r"^\s*[A-Za-z_][\w.]*(Error|Exception)\b", follower):
                    return follower.strip()
    causes = [line[len("Caused by: "):] for line in lines if line.startswith("Caused by: ")]
    return causes[-1] if causes else (lines[0] if lines else "unknown error")


class FlinkRest:
    """The few REST calls the runner needs from the local cluster."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else {}

    def job(self, job_id: str) -> dict[str, Any]:
        return self.call("GET", f"/jobs/{job_id}")

    def root_exception(self, job_id: str) -> Optional[str]:
        try:
            exceptions = self.call("GET", f"/jobs/{job_id}/exceptions")
        except (urllib.error.URLError, OSError, ValueError):
            return None
        history = exceptions.get("exceptionHistory", {}).get("entries", [])
        stack = exceptions.get("root-exception") or (history[0].get("stacktrace") if history else None)
        if not stack:
            return None
        lines = stack.splitlines()
        causes = [line[len("Caused by: "):] for line in lines if line.startswith("Caused by: ")]
        return causes[-1] if causes else lines[0]

    def exceptions(self, job_id: str) -> list[dict[str, Any]]:
        """The job's exception history, oldest first: each entry's timestamp (ms), readable error, stack
        trace and task."""
        history = self.call("GET", f"/jobs/{job_id}/exceptions").get("exceptionHistory", {}).get("entries", [])
        entries = []
        for entry in history:
            stack = str(entry.get("stacktrace") or entry.get("exceptionName") or "")
            entries.append({
                "timestamp": int(entry.get("timestamp") or 0),
                "error": stack_error(stack),
                "stacktrace": stack,
                "taskName": entry.get("taskName"),
            })
        return sorted(entries, key=lambda e: e["timestamp"])

    def metrics(self, job_id: str) -> dict[str, Any]:
        """numRestarts (job metric) and the checkpoint counts and newest completed checkpoint."""
        restarts = self.call("GET", f"/jobs/{job_id}/metrics?get=numRestarts")
        values = {item.get("id"): item.get("value") for item in restarts if isinstance(item, dict)}
        checkpoints = self.call("GET", f"/jobs/{job_id}/checkpoints")
        counts = checkpoints.get("counts", {})
        latest = (checkpoints.get("latest") or {}).get("completed") or {}
        return {
            "numRestarts": int(float(values.get("numRestarts") or 0)),
            "numberOfCompletedCheckpoints": int(counts.get("completed") or 0),
            "numberOfFailedCheckpoints": int(counts.get("failed") or 0),
            "latestCheckpoint": latest.get("external_path"),
        }

    def stop_with_savepoint(self, job_id: str, directory: str, local_dir: Optional[Path] = None) -> str:
        triggered_at = time.time()
        trigger = self.call("POST", f"/jobs/{job_id}/stop", {"targetDirectory": directory, "drain": False})
        request_id = trigger["request-id"]
        deadline = time.monotonic() + SAVEPOINT_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                status = self.call("GET", f"/jobs/{job_id}/savepoints/{request_id}")
            except (urllib.error.URLError, OSError):
                # A stopped job ends the job's main(), and with it the local cluster: its REST endpoint can
                # be gone before the savepoint's status is read. The savepoint is complete once Flink has
                # written its _metadata, so find it on disk.
                found = completed_savepoint(local_dir, triggered_at) if local_dir else None
                if found:
                    return found
                raise
            if status.get("status", {}).get("id") == "COMPLETED":
                operation = status.get("operation", {})
                if "location" in operation:
                    return str(operation["location"])
                raise RunnerError(f"the savepoint failed: {operation.get('failure-cause', {}).get('stack-trace', '')[:500]}")
            time.sleep(POLL_SECONDS)
        raise RunnerError(f"the savepoint did not complete within {SAVEPOINT_TIMEOUT_SECONDS:.0f} s")

    def cancel(self, job_id: str) -> None:
        self.call("PATCH", f"/jobs/{job_id}?mode=cancel")


class LocalRun:
    """One run of the zip: the CLI process, what it printed, and the job it submitted."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = Path(args.work_dir).resolve()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.log_file = self.work_dir / "flink.log"
        self.log = Log(self.log_file)
        self.output: list[str] = []
        self.job_id: Optional[str] = None
        self.rest: Optional[FlinkRest] = None
        self.process: Optional[subprocess.Popen[str]] = None
        self.stop_requested = threading.Event()
        self._log_offset = 0
        self._metrics: Optional[dict[str, Any]] = None
        self._metrics_read_at = 0.0
        self._last_exception_at = 0

    def prepare(self) -> list[str]:
        """Unpack and check the zip, write the configuration; returns the CLI command."""
        overrides = parse_flink_conf(self.args.flink_conf)
        code_dir = self.work_dir / "code"
        unpack(Path(self.args.zip), code_dir)
        properties = Path(self.args.properties).resolve()
        groups = load_property_groups(str(properties))
        options = run_options_from_groups(groups)
        python_file = code_dir / options.python
        jar = code_dir / options.jarfile
        if not python_file.is_file():
            raise RunnerError(f"the run option python names '{options.python}', which is not in the zip")
        if not jar.is_file():
            raise RunnerError(f"the run option jarfile names '{options.jarfile}', which is not in the zip")
        home = pyflink_home()
        config = flink_configuration(self.work_dir, jar, self.args.savepoint_dir, dict(os.environ), home,
                                     overrides)
        write_flink_conf(self.work_dir / "conf", config, self.log_file)
        # --jarfile is what ends up in pipeline.jars: the CLI overwrites the configured value with it.
        command = [str(home / "bin" / "flink"), "run", "--target", "local", "--jarfile", str(jar),
                   "--python", str(python_file), "--pyFiles", str(code_dir)]
        if self.args.from_savepoint:
            command[2:2] = ["--fromSavepoint", self.args.from_savepoint]
        return command

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env[PROPERTIES_FILE_ENV] = str(Path(self.args.properties).resolve())
        env["FLINK_CONF_DIR"] = str(self.work_dir / "conf")
        env["FLINK_LOG_DIR"] = str(self.work_dir / "log")
        # bin/flink puts HADOOP_CLASSPATH on the JVM class path: the S3 file system must be there, not in
        # plugins/, for PyFlink's local cluster to find it.
        env["HADOOP_CLASSPATH"] = os.pathsep.join(filter(None, [str(s3_filesystem_jar()),
                                                                env.get("HADOOP_CLASSPATH", "")]))
        env.setdefault("JVM_ARGS", "-Xms256m -Xmx1536m")
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        return env

    def start(self, command: list[str]) -> None:
        self.log.runner("starting: " + " ".join(command))
        (self.work_dir / "log").mkdir(exist_ok=True)
        (self.work_dir / "tmp").mkdir(exist_ok=True)
        self.process = subprocess.Popen(command, env=self.environment(), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                        start_new_session=True, cwd=str(self.work_dir))
        threading.Thread(target=self._pump_output, daemon=True).start()

    def _pump_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self.output.append(line)
            self.log.line(line)
            match = _JOB_ID.search(line)
            if match:
                self.job_id = match.group(1)

    def _discover_rest(self) -> None:
        if self.rest is not None or not self.log_file.exists():
            return
        with open(self.log_file, encoding="utf-8", errors="replace") as handle:
            handle.seek(self._log_offset)
            text = handle.read()
            self._log_offset = handle.tell()
        match = _REST_ENDPOINT.search(text)
        if match:
            self.rest = FlinkRest(f"http://{match.group(1)}:{match.group(2)}")

    def job_state(self) -> Optional[dict[str, Any]]:
        self._discover_rest()
        if self.rest is None or self.job_id is None:
            return None
        try:
            return self.rest.job(self.job_id)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def terminate_process(self, grace_seconds: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def wait_for_exit(self, seconds: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.terminate_process()

    def stop(self, state: Optional[dict[str, Any]]) -> int:
        """SIGTERM: stop the job, with a savepoint when a directory was given."""
        savepoint: Optional[str] = None
        if self.rest is not None and self.job_id is not None and state and state.get("state") == "RUNNING":
            try:
                if self.args.savepoint_dir:
                    self.log.runner(f"stopping job {self.job_id} with a savepoint into {self.args.savepoint_dir}")
                    savepoint = self.rest.stop_with_savepoint(self.job_id, savepoint_uri(self.args.savepoint_dir),
                                                              Path(self.args.savepoint_dir))
                else:
                    self.log.runner(f"cancelling job {self.job_id}")
                    self.rest.cancel(self.job_id)
                self.wait_for_exit(60.0)
            except (RunnerError, urllib.error.URLError, OSError, KeyError, ValueError) as error:
                self.log.runner(f"stopping gracefully failed ({error}); terminating the cluster")
        self.terminate_process()
        emit({"status": "STOPPED", "savepoint": savepoint})
        return 0

    def fail(self, error: str) -> int:
        self.log.runner(f"FAILED: {error}")
        self.terminate_process(grace_seconds=5.0)
        emit({"status": "FAILED", "error": error})
        return 1

    def report_progress(self) -> None:
        """While RUNNING: a `metrics` line when the job's metrics change, an `exception` line for each
        failure Flink restarted the job after. A REST hiccup skips a round; it never ends the run."""
        if self.rest is None or self.job_id is None or time.monotonic() - self._metrics_read_at < METRICS_SECONDS:
            return
        self._metrics_read_at = time.monotonic()
        try:
            entries = self.rest.exceptions(self.job_id)
            # By timestamp, not position: Flink keeps only the newest entries (web.exception-history-size).
            for entry in entries:
                if entry["timestamp"] > self._last_exception_at:
                    self._last_exception_at = entry["timestamp"]
                    self.log.runner(f"the job failed and Flink restarts it: {entry['error']}")
                    emit({"exception": entry})
            metrics = self.rest.metrics(self.job_id)
        except (urllib.error.URLError, OSError, ValueError, TypeError) as error:
            self.log.runner(f"reading the job's metrics failed ({error}); trying again")
            return
        if metrics != self._metrics:
            self._metrics = metrics
            emit({"metrics": metrics})

    def follow(self) -> int:
        """Report the job's state until it ends, fails, or SIGTERM arrives."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        running = False
        last_state: Optional[dict[str, Any]] = None
        while True:
            if self.stop_requested.is_set():
                return self.stop(last_state)
            state = self.job_state()
            if state is not None:
                last_state = state
                status = state.get("state")
                vertices = state.get("vertices", [])
                all_running = bool(vertices) and all(v.get("status") in ("RUNNING", "FINISHED") for v in vertices)
                if status == "RUNNING" and all_running and not running:
                    running = True
                    emit({"status": "RUNNING", "jobId": self.job_id})
                elif not running and status in ("FAILING", "RESTARTING") and ran_before(state):
                    # It ran and failed between two polls (a job that throws on its first records, on a
                    # loaded machine): it started, as far as the service is concerned; Flink restarts it.
                    running = True
                    emit({"status": "RUNNING", "jobId": self.job_id})
                elif not running and status in ("FAILING", "RESTARTING"):
                    # A job that fails before it ever ran would restart forever: report it as a failed start.
                    error = (self.rest.root_exception(self.job_id) if self.rest and self.job_id else None)
                    return self.fail(error or readable_error(self.output))
                elif status == "FAILED":
                    error = (self.rest.root_exception(self.job_id) if self.rest and self.job_id else None)
                    return self.fail(error or readable_error(self.output))
                elif status == "FINISHED":
                    self.wait_for_exit(30.0)
                    emit({"status": "FINISHED", "jobId": self.job_id})
                    return 0
            if self.process.poll() is not None:
                time.sleep(POLL_SECONDS)  # let the output pump catch the last lines
                if self.process.returncode == 0 and self.job_id is not None:
                    emit({"status": "FINISHED", "jobId": self.job_id})
                    return 0
                return self.fail(readable_error(self.output))
            if running:
                self.report_progress()
            if not running and time.monotonic() > deadline:
                return self.fail(f"the job did not reach RUNNING within {START_TIMEOUT_SECONDS:.0f} s; "
                                 f"see {self.log_file}")
            self.stop_requested.wait(POLL_SECONDS)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the flinkflow code zip on PyFlink's local cluster.")
    parser.add_argument("--zip", required=True, help="the deployable zip (main.py + lib/*.jar)")
    parser.add_argument("--properties", required=True, help="application_properties.json (property groups)")
    parser.add_argument("--work-dir", required=True, help="where the zip is unpacked and logs are written")
    parser.add_argument("--savepoint-dir", help="on SIGTERM, stop with a savepoint into this directory")
    parser.add_argument("--from-savepoint", help="restore the job from this savepoint")
    parser.add_argument("--flink-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Flink configuration entry for this run, e.g. parallelism.default=2 (repeatable; "
                             "wins over the runner's defaults)")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    emit({"status": "STARTING"})
    run = LocalRun(args)
    signal.signal(signal.SIGTERM, lambda *_: run.stop_requested.set())
    signal.signal(signal.SIGINT, lambda *_: run.stop_requested.set())
    try:
        command = run.prepare()
        run.start(command)
    except (RunnerError, PropertyError) as error:
        return run.fail(str(error))
    except Exception as error:  # anything unforeseen is still reported in the contract's shape
        return run.fail(f"{type(error).__name__}: {error}")
    return run.follow()


if __name__ == "__main__":
    sys.exit(main())
