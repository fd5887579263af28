"""moto's server as the local cloud runs it, with one correction to its S3 bucket-policy check.

moto evaluates a bucket policy on every object request but cannot evaluate a statement's Condition: it
reports any statement whose condition it cannot check as DENIED, whatever its Effect. The pipeline's
bucket carries the usual TLS-only statement (Deny when aws:SecureTransport is false), so under moto every
request to it would be refused. The local cloud stands in for AWS on loopback, where TLS is not the point;
statements with a Condition are therefore left out of the check, and the unconditional ones (an explicit
Deny, say) still apply.

It also keeps moto's state across restarts when given `--state-dir <dir>`: the backends of every service
in use are loaded from `<dir>/backends.pickle` at start and written there (atomically) when the server is
stopped by SIGTERM/SIGINT. A server that is killed saves nothing; the file keeps the last clean stop.

Usage: python moto_server_main.py [--state-dir <dir>] -H 127.0.0.1 -p <port>   (then moto_server's arguments)
"""

import bisect
import itertools
import json
import os
import pickle
import sys
import threading
import time

import moto
from moto import backends as moto_backends

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3 import models
from moto.s3 import utils as s3_utils
from moto.sqs import models as sqs_models
from moto.server import main
from moto.utilities.utils import md5_hash


def _permission_without_conditional_statements(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    unconditional = [s for s in statements if not s.get("Condition")]
    if not unconditional:
        return PermissionResult.NEUTRAL
    policy = IAMPolicy(json.dumps({**document, "Statement": unconditional}))
    return policy.is_action_permitted(action, resource)


models.FakeBucket.get_permission = _permission_without_conditional_statements


# moto lists a prefix by scanning and sorting every key of the bucket on every ListObjectsV2 page, so a
# listing costs O(bucket size) per page: with the sink's ~7,200 small files a day, Athena's listing of
# a few partition folders took seconds, and paging through a month of files minutes. The key store
# below counts its changes; a listing without a delimiter then walks a sorted name index (rebuilt only
# after a change) from the prefix or the continuation point, as S3 does. Listings with a delimiter keep
# moto's own code.
_CHANGES = "_flinkflow_changes"


def _counting(method):
    def changed(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            # Counted once the change is made: a listing that ran meanwhile cached the older count.
            self.__dict__[_CHANGES] = self.__dict__.get(_CHANGES, 0) + 1

    return changed


for _name in ("__setitem__", "__delitem__", "setlist", "pop", "clear", "update", "setdefault", "popitem"):
    setattr(s3_utils._VersionedKeyStore, _name, _counting(getattr(s3_utils._VersionedKeyStore, _name)))


def _sorted_names(bucket):
    store = bucket.keys
    changes = store.__dict__.get(_CHANGES, 0)
    cached = bucket.__dict__.get("_flinkflow_names")
    if cached is None or cached[0] is not store or cached[1] != changes:
        cached = (store, changes, sorted(dict.keys(store)))
        bucket.__dict__["_flinkflow_names"] = cached
    return cached[2]


_moto_list_objects_v2 = models.S3Backend.list_objects_v2


def _list_objects_v2(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys):
    if delimiter or isinstance(bucket, models.FakeTableStorageBucket):
        return _moto_list_objects_v2(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)
    if max_keys == 0:
        return [], False, None
    prefix = prefix or ""
    names = _sorted_names(bucket)
    start = bisect.bisect_left(names, prefix)
    after = self._pagination_tokens.get(continuation_token) if continuation_token else start_after
    if after:
        start = max(start, bisect.bisect_right(names, after))
    picked, truncated = [], False
    for name in itertools.islice(names, start, None):
        if not name.startswith(prefix):
            break
        versions = dict.get(bucket.keys, name)
        if not versions or isinstance(versions[-1], models.FakeDeleteMarker):
            continue
        if len(picked) == max_keys:
            truncated = True
            break
        picked.append(versions[-1])
    token = None
    if truncated:
        last = picked[-1].name
        token = md5_hash(last.encode("utf-8")).hexdigest()
        self._pagination_tokens[token] = last
    return picked, truncated, token


models.S3Backend.list_objects_v2 = _list_objects_v2


# pickle rebuilds a dict subclass by calling __setitem__ for each item; _VersionedKeyStore's __setitem__
# appends a version to the key's list, so the whole list would become one "version" holding a list.
# Rebuilt with setlist instead, every version of every key comes back as it was.
def _reduce_versioned_store(self):
    return (_rebuild_versioned_store, (type(self), [(k, list(v)) for k, v in dict.items(self)]))


def _rebuild_versioned_store(cls, lists):
    store = cls()
    for key, versions in lists:
        store.setlist(key, versions)
    return store


s3_utils._VersionedKeyStore.__reduce__ = _reduce_versioned_store


# An SQS queue holds a threading.Condition for its long polls; a lock cannot be pickled, and no poll
# outlives the server anyway, so a loaded queue gets a new one.
def _queue_state(self):
    state = self.__dict__.copy()
    del state["_messages_lock"]
    return state


def _set_queue_state(self, state):
    self.__dict__.update(state)
    self._messages_lock = threading.Condition()


sqs_models.Queue.__getstate__ = _queue_state
sqs_models.Queue.__setstate__ = _set_queue_state

STATE_FILE = "backends.pickle"
# Bumped when the layout of the saved file changes.
STATE_FORMAT = 1


class StateError(Exception):
    pass


# The services the local cloud sends to moto (local/services.ts); their names as moto.backends knows them.
SERVICES = ("s3", "cloudwatch", "logs", "sns", "sqs", "events", "scheduler", "sts")


def _in_use():
    """{service: {account: {region: backend}}} for each service that holds a backend."""
    state = {}
    for service in SERVICES:
        backend_dict = moto_backends.get_backend(service)
        accounts = {
            account: dict(dict.items(regions)) for account, regions in dict.items(backend_dict) if len(regions)
        }
        if accounts:
            state[service] = accounts
    return state


def save_state(state_dir):
    """Writes every backend to <state_dir>/backends.pickle through a temporary file and a rename."""
    # The S3 listing index is a cache (rebuilt on the first listing); it is not worth the bytes.
    for _, _, backend in moto_backends.get_backend("s3").iter_backends():
        for bucket in list(backend.buckets.values()):
            bucket.__dict__.pop("_flinkflow_names", None)
    started = time.monotonic()
    os.makedirs(state_dir, exist_ok=True)
    target = os.path.join(state_dir, STATE_FILE)
    temporary = f"{target}.tmp"
    # A request still being served can change a dict while it is pickled; the next try sees it settled.
    for attempt in range(5):
        services = _in_use()
        try:
            # Streamed to the file: a large S3 is not held twice in memory. A small header first, so that
            # a reader checks the versions before it unpickles any of moto's classes.
            with open(temporary, "wb") as out:
                pickle.dump({"format": STATE_FORMAT, "moto": moto.__version__}, out)
                pickle.dump(services, out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
                os.fsync(out.fileno())
            break
        except RuntimeError as e:
            if attempt == 4:
                os.remove(temporary)
                raise StateError(f"moto's state kept changing while it was saved: {e}") from e
            time.sleep(0.2)
    os.replace(temporary, target)
    print(
        f"saved the state of {', '.join(sorted(services)) or 'no service'} "
        f"({os.path.getsize(target)} bytes, {time.monotonic() - started:.2f} s) to {target}",
        flush=True,
    )


def load_state(state_dir):
    """Puts the backends saved in <state_dir>/backends.pickle back; nothing to do when there is none."""
    source = os.path.join(state_dir, STATE_FILE)
    if not os.path.exists(source):
        return
    how_to_go_on = (
        "Start the local cloud with `flinkflow local up --fresh` to discard the saved S3, CloudWatch, Logs, "
        "SNS, SQS, EventBridge and Scheduler data, or go back to the moto version that wrote it."
    )
    with open(source, "rb") as f:
        try:
            header = pickle.load(f)
        except Exception as e:
            raise StateError(f"moto's saved state {source} cannot be read ({type(e).__name__}: {e}). {how_to_go_on}") from e
        if not isinstance(header, dict) or header.get("format") != STATE_FORMAT or header.get("moto") != moto.__version__:
            written = header if isinstance(header, dict) else {}
            raise StateError(
                f"moto's saved state {source} was written by moto {written.get('moto')} (format "
                f"{written.get('format')}); this is moto {moto.__version__} (format {STATE_FORMAT}), whose classes "
                f"may differ. {how_to_go_on}"
            )
        try:
            services = pickle.load(f)
        except Exception as e:
            raise StateError(f"moto's saved state {source} cannot be read ({type(e).__name__}: {e}). {how_to_go_on}") from e
    for service, accounts in services.items():
        backend_dict = moto_backends.get_backend(service)
        for account, regions in accounts.items():
            account_backends = backend_dict[account]
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)
    print(f"loaded the state of {', '.join(sorted(services)) or 'no service'} from {source}", flush=True)


def _state_dir_argument(argv):
    if "--state-dir" not in argv:
        return None, argv
    index = argv.index("--state-dir")
    if index + 1 >= len(argv):
        raise SystemExit("--state-dir needs a folder: moto_server_main.py --state-dir <dir> -H ... -p ...")
    return argv[index + 1], argv[:index] + argv[index + 2 :]


def _exit_with_parent():
    # When the daemon that started this server dies without stopping it (SIGKILL), the server is
    # re-parented; it then leaves too, instead of holding its port and memory as an orphan.
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def _run(argv):
    state_dir, moto_argv = _state_dir_argument(argv)
    if state_dir:
        try:
            load_state(state_dir)
        except StateError as e:
            print(f"flinkflow moto: {e}", file=sys.stderr, flush=True)
            sys.exit(2)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        # moto's main ends with SystemExit(0) on SIGTERM/SIGINT (its own signal handler).
        main(moto_argv)
    finally:
        if state_dir:
            try:
                save_state(state_dir)
            except Exception as e:
                # Exit non-zero: the local cloud then keeps its unclean-stop marker.
                print(f"flinkflow moto: could not save the state to {state_dir}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
                os._exit(1)


if __name__ == "__main__":
    _run(sys.argv[1:])
