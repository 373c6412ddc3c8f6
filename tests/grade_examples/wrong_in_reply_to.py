#!/usr/bin/env python3
"""Mistake: in_reply_to is filled with the node's own message counter
instead of the msg_id of the request it answers, so a client cannot tell
which request a reply is for."""
from correct import Node, main


class WrongInReplyTo(Node):
    def reply(self, request, body):
        message = Node.reply(self, request, body)
        message["body"]["in_reply_to"] = message["body"]["msg_id"]
        return message


if __name__ == "__main__":
    main(WrongInReplyTo())
