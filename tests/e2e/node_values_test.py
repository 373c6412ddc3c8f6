#!/usr/bin/env python3
"""Generated request streams through `kvsim node`, checked byte for byte.

Every value is written in many ways (whitespace, escapes, raw UTF-8, numbers
in several forms, nested containers, repeated keys) and read back; the
expected text is Python's own: json.dumps(json.loads(text)). Malformed lines,
wrong types, missing fields and deep nesting get their error or diagnostic.
This covers both of the node's request readers (the fast scanner and the full
parser), which must answer alike.

Usage: node_values_test.py PATH_TO_KVSIM [SEED_COUNT]
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

WS = ["", " ", "  ", "\t", " \r "]


def ws(rng):
    return rng.choice(WS) if rng.random() < 0.3 else ""


def string_text(rng, s):
    """A JSON string literal for `s`, escaped in one of the ways JSON allows."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        r = rng.random()
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "/" and r < 0.5:
            out.append("\\/")
        elif code < 0x20:
            short = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
            out.append(short[ch] if ch in short and r < 0.7 else "\\u%04x" % code)
        elif r < 0.2 and code < 0x10000:
            out.append(("\\u%04X" if r < 0.1 else "\\u%04x") % code)
        elif r < 0.2:
            offset = code - 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 | (offset >> 10), 0xDC00 | (offset & 0x3FF)))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


ALPHABET = "abcxyz /\\\"'\n\t\b\f\r\x01\x1f\x7f~é€𝄞ü中"


def random_string(rng):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 8)))


def number_text(rng):
    """A number JSON allows and both parsers read alike: (text, value)."""
    kind = rng.randrange(9)
    if kind == 0:
        v = rng.randrange(0, 2**64)
        return str(v), v
    if kind == 1:
        v = -rng.randrange(0, 2**63 + 1)
        return str(v), v
    if kind == 2:
        return rng.choice(["0", "-0", "1", "-1"]), int(rng.choice(["0", "0", "1", "-1"]))
    texts = ["1.0", "-0.0", "0.5", "1e5", "1E+5", "1e-7", "2.5e-05", "123456789.125", "1e16",
             "1e15", "0.0001", "0.00001", "-1.5e300", "5e-324", "1.7976931348623157e308",
             "3.141592653589793", "100.0", "1.25E2"]
    t = rng.choice(texts)
    return t, float(t)


def value_text(rng, depth=0):
    """A random JSON value as text (not canonical)."""
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice(["null", "true", "false"])
    if kind in (1, 2):
        return number_text(rng)[0]
    if kind in (3, 4):
        return string_text(rng, random_string(rng))
    if kind in (5, 6):
        n = rng.randrange(0, 4)
        keys = [random_string(rng) for _ in range(n)]
        if n and rng.random() < 0.2:
            keys.append(keys[0])  # a repeated key: first position, last value
        members = [ws(rng) + string_text(rng, k) + ws(rng) + ":" + ws(rng) + value_text(rng, depth + 1)
                   + ws(rng) for k in keys]
        return "{" + ",".join(members) + "}" if members else "{" + ws(rng) + "}"
    items = [ws(rng) + value_text(rng, depth + 1) + ws(rng) for _ in range(rng.randrange(0, 4))]
    return "[" + ",".join(items) + "]" if items else "[" + ws(rng) + "]"


def envelope(rng, body_members, src='"c1"'):
    """A request line with the body's members in a random order."""
    rng.shuffle(body_members)
    body = "{" + ",".join(ws(rng) + k + ws(rng) + ":" + ws(rng) + v + ws(rng)
                          for k, v in body_members) + "}"
    parts = [('"src"', src), ('"dest"', '"n1"'), ('"body"', body)]
    rng.shuffle(parts)
    return ws(rng) + "{" + ",".join(ws(rng) + k + ":" + ws(rng) + v for k, v in parts) + "}" + ws(rng)


def reply(type_, in_reply_to, msg_id, fields=(), dest="c1"):
    body = {"type": type_, "in_reply_to": in_reply_to}
    body.update(fields)
    body["msg_id"] = msg_id
    return json.dumps({"src": "n1", "dest": dest, "body": body})


class Stream:
    """Request lines with the replies and diagnostics they must get."""

    def __init__(self, rng):
        self.rng = rng
        self.lines, self.out, self.err = [], [], []
        self.next_msg_id = 0
        self.keys = 0
        self.add('{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}',
                 lambda m: reply("init_ok", 1, m, dest="c0"))

    def add(self, line, expected=None, diagnostic=None):
        self.lines.append(line)
        if expected is not None:
            self.out.append(expected(self.next_msg_id) + "\n")
            self.next_msg_id += 1
        if diagnostic is not None:
            self.err.append("kvsim node: line %d: %s" % (len(self.lines), diagnostic))

    def put_then_get(self):
        rng = self.rng
        text = value_text(rng)
        key = "k%d%s" % (self.keys, random_string(rng))
        self.keys += 1
        clock = [rng.choice([0, 1, 2**64 - 1]) for _ in range(rng.randrange(1, 4))]
        clock[0] = 1
        msg_id, msg_id_value = rng.choice([("5", 5), ("-3", -3), ("0", 0), ("-0", 0),
                                           ("18446744073709551615", 2**64 - 1)])
        op = rng.choice(["kv_put", "kv_resolve"])
        clock_text = "[" + ",".join(ws(rng) + str(c) for c in clock) + "]"
        self.add(envelope(rng, [('"type"', '"%s"' % op), ('"msg_id"', msg_id), ('"key"', string_text(rng, key)),
                                ('"value"', text), ('"clock"', clock_text)]),
                 lambda m: reply(op + "_ok", msg_id_value, m,
                                 {"status": "written" if op == "kv_put" else "resolved"}))
        values = [{"value": json.loads(text), "clock": clock}]
        self.add(envelope(rng, [('"type"', '"kv_get"'), ('"msg_id"', "7"), ('"key"', string_text(rng, key)),
                                ('"extra"', value_text(rng))]),
                 lambda m: reply("kv_get_ok", 7, m, {"values": values}))

    def bad_request(self):
        rng = self.rng
        good = {"type": '"kv_put"', "msg_id": "9", "key": '"x"', "value": "1", "clock": "[1]"}
        field, bad, why = rng.choice([
            ("key", "5", "field 'key' must be a string, got an integer"),
            ("key", "[]", "field 'key' must be a string, got an array"),
            ("key", None, "missing field 'key' (a string)"),
            ("value", None, "missing field 'value' (any JSON value)"),
            ("clock", None, "missing field 'clock' (an array of non-negative integers)"),
            ("clock", '"1"', "field 'clock' must be an array of non-negative integers, got a string"),
            ("clock", "[1,-1]", "clock[1] must be a non-negative integer that fits in 64 bits, got a negative integer"),
            ("clock", "[1.5]", "clock[0] must be a non-negative integer that fits in 64 bits, got a non-integer number or one past 2^64-1"),
            ("clock", "[18446744073709551616]", "clock[0] must be a non-negative integer that fits in 64 bits, got a non-integer number or one past 2^64-1"),
            ("clock", "[null]", "clock[0] must be a non-negative integer that fits in 64 bits, got null"),
            ("type", "3", "missing field 'type' (a string)"),
            ("type", '"kv_frob"', "unknown message type 'kv_frob'"),
            ("value", "[" * 200 + "]" * 200, "message nested deeper than 128 levels"),
        ])
        members = [('"%s"' % k, bad if k == field else v) for k, v in good.items()
                   if not (k == field and bad is None)]
        code = 10 if "unknown" in why else 12
        self.add(envelope(rng, members), lambda m: reply("error", 9, m, {"code": code, "text": why}))

    def unanswerable(self):
        rng = self.rng
        line, why = rng.choice([
            ("{" + value_text(rng), "not JSON: "),
            ('{"src":"c1","body":{"type":"kv_get","msg_id":1,"key":"x"}} x', "not JSON: "),
            ('{"src":"c1","body":{"type":"kv_get","msg_id":1,"value":1e400}}', "not JSON: "),
            ("[1, 2]", "not a JSON object; no reply possible"),
            ('{"src":1,"body":{"type":"kv_get","msg_id":1,"key":"x"}}', "no string 'src' to reply to; no reply possible"),
            ('{"src":"c1","body":[]}', "no 'body' object; no reply possible"),
            ('{"src":"c1","body":{"type":"kv_get","msg_id":1.5,"key":"x"}}', "no integer body.msg_id to answer to; no reply possible"),
        ])
        self.add(line, diagnostic=why)


def run(kvsim, stream):
    data = "".join(line + "\n" for line in stream.lines).encode()
    proc = subprocess.run([kvsim, "node"], input=data, capture_output=True, timeout=120)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def main():
    kvsim = sys.argv[1]
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    lines = 0
    for seed in range(seeds):
        rng = random.Random(seed)
        stream = Stream(rng)
        for _ in range(300):
            r = rng.random()
            if r < 0.8:
                stream.put_then_get()
            elif r < 0.93:
                stream.bad_request()
            else:
                stream.unanswerable()
        rc, out, err = run(kvsim, stream)
        lines += len(stream.lines)
        got_out = out.splitlines(keepends=True)
        got_err = err.splitlines()
        problems = []
        if rc != 0:
            problems.append("exit status %d" % rc)
        for i, (want, got) in enumerate(zip(stream.out, got_out)):
            if want != got:
                problems.append("reply %d:\n  want %s  got  %s" % (i, want, got))
                break
        if len(got_out) != len(stream.out):
            problems.append("%d replies, want %d" % (len(got_out), len(stream.out)))
        if len(got_err) != len(stream.err) or not all(g.startswith(w) for w, g in zip(stream.err, got_err)):
            problems.append("diagnostics:\n  want %s\n  got  %s" % (stream.err, got_err))
        check("seed %d" % seed, not problems, "\n".join(problems))
    print("%d request lines in %d streams" % (lines, seeds))
    finish()


if __name__ == "__main__":
    main()
