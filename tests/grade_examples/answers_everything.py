#!/usr/bin/env python3
"""Not a mistake, another choice: the correct node, but a line it cannot
read (not JSON, no msg_id) is answered too, with an error whose in_reply_to
is null, where kvsim node answers nothing. The task is silent here, so
`kvsim grade` passes it, and fails it only with --strict."""
import json

from correct import Node, main


class AnswersEverything(Node):
    def serve(self, line):
        reply = Node.serve(self, line)
        if reply is not None:
            return reply
        body = {"type": "error", "in_reply_to": None, "code": 12,
                "text": "cannot read this line", "msg_id": self.next_msg_id}
        self.next_msg_id += 1
        try:
            src = json.loads(line).get("src", "")
        except (ValueError, AttributeError):
            src = ""
        return {"src": self.node_id, "dest": src if isinstance(src, str) else "", "body": body}


if __name__ == "__main__":
    main(AnswersEverything())
