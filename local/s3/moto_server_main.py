"""moto's server as the local cloud runs it, with one correction to its S3 bucket-policy check.

moto evaluates a bucket policy on every object request but cannot evaluate a statement's Condition: it
reports any statement whose condition it cannot check as DENIED, whatever its Effect. The pipeline's
bucket carries the usual TLS-only statement (Deny when aws:SecureTransport is false), so under moto every
request to it would be refused. The local cloud stands in for AWS on loopback, where TLS is not the point;
statements with a Condition are therefore left out of the check, and the unconditional ones (an explicit
Deny, say) still apply.

Usage: python moto_server_main.py -H 127.0.0.1 -p <port>   (the same arguments as moto_server)
"""

import bisect
import itertools
import json
import os
import sys
import threading
import time

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3 import models
from moto.s3 import utils as s3_utils
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



def _exit_with_parent():
    # When the daemon that started this server dies without stopping it (SIGKILL), the server is
    # re-parented; it then leaves too, instead of holding its port and memory as an orphan.
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    main(sys.argv[1:])
