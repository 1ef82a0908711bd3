"""Real servers on loopback for the network seams: an HTTP sink and an SMTP server.

Each starts on a free port, records what it received, and is stopped by the
fixture that made it. Loops are bounded: a server never outlives its test.
"""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class SinkBehaviour:
    """What the sink answers. Tests change it between requests."""

    status: int = 200
    body: bytes = b'{"id": "ext-1"}'
    content_type: str = "application/json"
    delay: float = 0.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    statuses: list[int] = field(default_factory=list)  # consumed first, one per request


class HttpSink:
    """A threaded HTTP server that records every request and answers as told."""

    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self.behaviour = SinkBehaviour()
        self._lock = threading.Lock()
        self._release_hang = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with sink._lock:
                    sink.requests.append(
                        RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    behaviour = sink.behaviour
                    status = behaviour.statuses.pop(0) if behaviour.statuses else behaviour.status
                if behaviour.hang:
                    sink._release_hang.wait(timeout=60)
                    return
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                self.send_response(status)
                self.send_header("Content-Type", behaviour.content_type)
                self.send_header("Content-Length", str(len(behaviour.body)))
                for name, value in behaviour.extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(behaviour.body)

            do_POST = do_GET = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HttpSink":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._release_hang.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def received(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingSmtpHandler:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf8", "replace")}
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingSmtpHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[dict]:
        return self.handler.messages
