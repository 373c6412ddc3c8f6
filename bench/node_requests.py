#!/usr/bin/env python3
"""Prints about BYTES of valid requests for `kvsim node`, on KEYS keys.

    python3 bench/node_requests.py 1000000000 4 | /usr/bin/time -v build/cli/kvsim node >/dev/null

An init, then rounds over the keys: two writers' puts, each superseding the
last round's resolve but concurrent with each other (siblings), a stale
write, a retried duplicate, a get, a resolve that merges them, and a get.
What the node holds is bounded by the keys (at most three siblings each),
not by the number of requests, so its memory must stay flat however long
this runs.
"""
import sys

REQUEST = '{{"src":"c1","dest":"n1","body":{{"type":"{type}","msg_id":{id},"key":"key{key}"{rest}}}}}\n'


def rounds(keys):
    msg_id = 1
    padding = "v" * 200
    i = 0
    while True:
        i += 1
        lines = []
        for key in range(keys):
            a = 2 * i
            for kind, rest in (
                    ("kv_put", ',"value":"{}{}a","clock":[{},0,0]'.format(padding, i, a)),
                    ("kv_put", ',"value":"{}{}b","clock":[0,{},0]'.format(padding, i, a)),
                    ("kv_put", ',"value":"old","clock":[1,0,0]'),
                    ("kv_put", ',"value":"{}{}b","clock":[0,{},0]'.format(padding, i, a)),
                    ("kv_get", ""),
                    ("kv_resolve", ',"value":"r{}","clock":[{},{},0]'.format(i, a + 1, a + 1)),
                    ("kv_get", "")):
                msg_id += 1
                lines.append(REQUEST.format(type=kind, id=msg_id, key=key, rest=rest))
        yield "".join(lines)


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 30
    keys = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    out = sys.stdout
    out.write('{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,'
              '"node_id":"n1","node_ids":["n1","n2","n3"]}}\n')
    written = 0
    for chunk in rounds(keys):
        if written >= total:
            break
        out.write(chunk)
        written += len(chunk)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
