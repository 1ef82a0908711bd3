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


class QuietHttpServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that hangs up on purpose (a timeout test) is not news."""


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

        self.server = QuietHttpServer(("127.0.0.1", 0), Handler)
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
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf8", "replace"),
            }
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


def read_request(connection: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) so the client sees an orderly answer or close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class ScriptedHttpServer:
    """A loopback server that reads each request and then hands the socket to `script(connection, stopping)`.

    For the misbehaviour HttpSink cannot act out: dripping bytes, gzip bombs,
    hanging up without an answer. Scripts must return once `stopping` is set.
    """

    def __init__(self, script):
        self.script = script
        self.stopping = threading.Event()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ScriptedHttpServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                read_request(connection)
                self.script(connection, self.stopping)
            except OSError:
                pass  # the client gave up on us, which is what most of these tests want


def drip_body(interval: float = 0.2, max_seconds: float = 60):
    """Promise a large body, then send one byte every `interval`: every read succeeds, the whole never ends."""

    def script(connection: socket.socket, stopping: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n")
        for _ in range(int(max_seconds / interval)):
            if stopping.wait(interval):
                return
            connection.sendall(b"x")

    return script


def drip_headers(interval: float = 0.2, max_seconds: float = 60):
    """Send the status line, then one header byte every `interval`: the response never even starts."""

    def script(connection: socket.socket, stopping: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(int(max_seconds / interval)):
            if stopping.wait(interval):
                return
            connection.sendall(b"a")

    return script


def hang_up():
    """Read the request, then close without a word."""

    def script(connection: socket.socket, stopping: threading.Event) -> None:
        return None

    return script


def answer_raw(body: bytes, *, content_encoding: str = "identity", declare_length: bool = True):
    """Answer 200 with `body` as is, labelled `content_encoding` (say, a gzip bomb labelled gzip).

    Without `declare_length` the body simply runs until the connection closes,
    so only a cap enforced while reading can stop it.
    """

    def script(connection: socket.socket, stopping: threading.Event) -> None:
        length = f"Content-Length: {len(body)}\r\n" if declare_length else ""
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {content_encoding}\r\n"
            f"{length}Connection: close\r\n\r\n"
        )
        connection.sendall(head.encode("ascii") + body)

    return script


def gzip_bomb(decompressed_bytes: int) -> bytes:
    """gzip of `decompressed_bytes` zeros, built a megabyte at a time: about 1 KB on the wire per MB inflated."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(decompressed_bytes >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


class PickySmtpHandler(RecordingSmtpHandler):
    """Refuses the addresses it is told to at RCPT TO, with the reply it is told to give."""

    def __init__(self, refusals: dict[str, str]):
        super().__init__()
        self.refusals = refusals

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


class PickySmtpServer(SmtpServer):
    """An SmtpServer that refuses some recipients, e.g. {"gone@example.test": "550 5.1.1 no such user"}."""

    def __init__(self, refusals: dict[str, str]):
        self.handler = PickySmtpHandler(refusals)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
