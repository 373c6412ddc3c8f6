// The task's sample cases, shipped with their expected replies.
//
// The task prints two sample sessions ("Simple write to empty key",
// "Concurrent writes create siblings") whose expected output is cut short
// after the first two lines, and one exchange without envelopes in its
// description (put Alice, put Bob, get, resolve). The lines marked "task"
// are the task's own, byte for byte; those marked "completed" were written
// from the task's rules and its reply format, checked by hand against the
// rules (see each comment), and are what `kvsim node` answers
// (tests/unit/grade_test.cpp checks that). docs/GRADING.md shows the same.
#include "grade/session.h"

namespace kv::grade {

const std::vector<Session>& samples() {
  static const std::vector<Session> kSamples = {
      {"sample 1 (Simple write to empty key)",
       {
           // task: the three input lines
           R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"hello","clock":[1,0]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"x"}})",
       },
       {
           // task
           R"({"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}})",
           // task
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "written", "msg_id": 1}})",
           // completed: the key holds the one value written, with the clock it
           // came with; the node's third message is msg_id 2.
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 3, "values": [{"value": "hello", "clock": [1, 0]}], "msg_id": 2}})",
       }},
      {"sample 2 (Concurrent writes create siblings)",
       {
           // task: the four input lines
           R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v1","clock":[1,0]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":3,"key":"x","value":"v2","clock":[0,1]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":4,"key":"x"}})",
       },
       {
           // task
           R"({"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}})",
           // task
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "written", "msg_id": 1}})",
           // completed: [1,0] and [0,1], neither dominates: both kept, 2
           // siblings (the task's own example answers this put so).
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 3, "status": "conflict", "siblings": 2, "msg_id": 2}})",
           // completed: both siblings, in the order written.
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 4, "values": [{"value": "v1", "clock": [1, 0]}, {"value": "v2", "clock": [0, 1]}], "msg_id": 3}})",
       }},
      {"sample 3 (the task's example: put, put, get, resolve)",
       {
           // completed: the task's example has no init; this one gives the
           // two nodes its clocks count.
           R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":0,"node_id":"n1","node_ids":["n1","n2"]}})",
           // task: the four request bodies, each put in an envelope.
           R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":1,"key":"user:1","value":"Alice","clock":[1,0]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"user:1","value":"Bob","clock":[0,1]}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"user:1"}})",
           R"({"src":"c1","dest":"n1","body":{"type":"kv_resolve","msg_id":4,"key":"user:1","value":"Alice+Bob","clock":[1,1]}})",
       },
       {
           // completed
           R"({"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 0, "msg_id": 0}})",
           // task: the four reply bodies, each given its envelope and msg_id.
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 1, "status": "written", "msg_id": 1}})",
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_put_ok", "in_reply_to": 2, "status": "conflict", "siblings": 2, "msg_id": 2}})",
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 3, "values": [{"value": "Alice", "clock": [1, 0]}, {"value": "Bob", "clock": [0, 1]}], "msg_id": 3}})",
           // [1,1] dominates [1,0] and [0,1]: both replaced, one value left.
           R"({"src": "n1", "dest": "c1", "body": {"type": "kv_resolve_ok", "in_reply_to": 4, "status": "resolved", "msg_id": 4}})",
       }},
  };
  return kSamples;
}

}  // namespace kv::grade
