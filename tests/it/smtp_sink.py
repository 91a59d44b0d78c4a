"""A real SMTP server on loopback for the mail tests (aiosmtpd from PyPI).

Usage: smtp_sink.py OUT_DIR PORT — accepts every message, parses it with Python's own MIME parser and
writes one JSON file per message into OUT_DIR (envelope, subject, decoded text and HTML parts, raw).
Prints "READY <port>" once it listens.
"""
import json
import os
import sys
import time
import uuid
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "content_type": msg.get_content_type(),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
        }
        tmp = os.path.join(self.out, uuid.uuid4().hex + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, tmp[:-4] + ".json")
        return "250 Message accepted for delivery"


def main():
    out, port = sys.argv[1], int(sys.argv[2])
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
