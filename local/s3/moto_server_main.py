"""moto's server as the local cloud runs it, with one correction to its S3 bucket-policy check.

moto evaluates a bucket policy on every object request but cannot evaluate a statement's Condition: it
reports any statement whose condition it cannot check as DENIED, whatever its Effect. The pipeline's
bucket carries the usual TLS-only statement (Deny when aws:SecureTransport is false), so under moto every
request to it would be refused. The local cloud stands in for AWS on loopback, where TLS is not the point;
statements with a Condition are therefore left out of the check, and the unconditional ones (an explicit
Deny, say) still apply.

Usage: python moto_server_main.py -H 127.0.0.1 -p <port>   (the same arguments as moto_server)
"""

import json
import os
import sys
import threading
import time

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3 import models
from moto.server import main


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
