#!/usr/bin/env python3
"""End-to-end tests of `kvsim node` through the real binary.

Expected lines are written by hand from docs/PROTOCOL.md and its three sessions.
Usage: node_e2e_test.py PATH_TO_KVSIM
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM = sys.argv[1]


def run(lines, raw=None):
    data = raw if raw is not None else "".join(line + "\n" for line in lines)
    proc = subprocess.run([KVSIM, "node"], input=data.encode(), capture_output=True, timeout=60)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


INIT = '{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}'

# docs/PROTOCOL.md's first session, byte for byte (including the get's reply).
rc, out, err = run([
    INIT,
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"hello","clock":[1,0]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"x"}}',
])
check("first session", out == (
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "written", "msg_id": 1}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 3, "values": [{"value": "hello", "clock": [1, 0]}], "msg_id": 2}}\n'
), out)
check("first session exit 0", rc == 0)
check("first session quiet stderr", err == "", err)

# docs/PROTOCOL.md's second session.
rc, out, err = run([
    INIT,
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v1","clock":[1,0]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":3,"key":"x","value":"v2","clock":[0,1]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":4,"key":"x"}}',
])
check("second session", out == (
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "written", "msg_id": 1}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 3, "status": "conflict", "siblings": 2, "msg_id": 2}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 4, "values": [{"value": "v1", "clock": [1, 0]}, {"value": "v2", "clock": [0, 1]}], "msg_id": 3}}\n'
), out)

# docs/PROTOCOL.md's third session: Alice, Bob, a get, a resolve, a get after the
# resolve, and a stale write.
rc, out, err = run([
    INIT,
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":1,"key":"user:1","value":"Alice","clock":[1,0]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"user:1","value":"Bob","clock":[0,1]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"user:1"}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_resolve","msg_id":4,"key":"user:1","value":"Alice+Bob","clock":[1,1]}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":5,"key":"user:1"}}',
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":6,"key":"user:1","value":"Old","clock":[1,0]}}',
])
check("third session", out == (
    '{"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 1, "status": "written", "msg_id": 1}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "conflict", "siblings": 2, "msg_id": 2}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 3, "values": [{"value": "Alice", "clock": [1, 0]}, {"value": "Bob", "clock": [0, 1]}], "msg_id": 3}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_resolve_ok", "in_reply_to": 4, "status": "resolved", "msg_id": 4}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 5, "values": [{"value": "Alice+Bob", "clock": [1, 1]}], "msg_id": 5}}\n'
    '{"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 6, "status": "rejected", "msg_id": 6}}\n'
), out)

# Every error code, garbage lines, requests before init, a request without msg_id.
rc, out, err = run([
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":1,"key":"x"}}',   # before init -> 11
    'garbage {',                                                                  # stderr only
    '{"src":"c1","dest":"n1","body":{"type":"kv_get","key":"x"}}',               # no msg_id: stderr only
    INIT,
    '{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":5}}',          # 10
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":6,"key":"x","value":1,"clock":[-3]}}',  # 12
    '',
])
lines = out.splitlines()
check("errors: four replies", len(lines) == 4, out)
if len(lines) == 4:
    r = [json.loads(line) for line in lines]
    check("before init is 11", r[0]["body"]["code"] == 11 and r[0]["body"]["msg_id"] == 0, lines[0])
    check("init after error is msg 1", r[1]["body"] == {"type": "init_ok", "in_reply_to": 1, "msg_id": 1}, lines[1])
    check("unknown type is 10", r[2]["body"]["code"] == 10, lines[2])
    check("bad clock is 12", r[3]["body"]["code"] == 12, lines[3])
check("garbage named on stderr", "line 2: not JSON" in err, err)
check("missing msg_id named on stderr", "line 3:" in err, err)
check("errors exit 0", rc == 0)
rc, out, err = run([INIT, '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":6,"key":"x","value":1,"clock":[-3]}}'])
check("malformed is 12", '"code": 12' in out, out)

# CRLF line endings, no final newline, and a very long line.
long_value = "x" * 5_000_000
rc, out, err = run(None, raw=INIT + "\r\n" +
                   '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"k","value":"' + long_value +
                   '","clock":[1]}}\r\n{"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"k"}}')
lines = out.splitlines()
check("crlf and long lines", len(lines) == 3 and len(lines[2]) > 5_000_000, str(len(lines)))

# 100,000 requests answered in well under a second.
reqs = [INIT] + [
    '{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":%d,"key":"k%d","value":"v%d","clock":[%d]}}'
    % (i + 2, i % 100, i, i) for i in range(100_000)]
start = time.monotonic()
rc, out, err = run(reqs)
elapsed = time.monotonic() - start
check("100k requests answered", out.count("\n") == 100_001, str(out.count("\n")))
print(f"100,000 requests answered in {elapsed:.3f} s")

finish()
