"""Every outbound HTTP call in the project goes through here: channels now, news feeds next.

Why one module: a call to someone else's server must be bounded the same way
everywhere, or one slow webhook or hostile feed stalls a worker that has to
send within seconds of a slot. Each call here gets:

- a connect timeout and a per-read timeout (OUTBOUND_CONNECT_TIMEOUT, OUTBOUND_READ_TIMEOUT);
- a total deadline (OUTBOUND_TOTAL_DEADLINE). httpx's timeouts are per read, so a
  server that drips a byte every few seconds would hold us forever: the deadline
  is checked between chunks, and a watchdog shuts the socket when a blocking
  read (or a response whose headers drip in) would carry the call past it;
- a size cap (OUTBOUND_MAX_RESPONSE_BYTES) on both the bytes received and the
  bytes they decompress to, enforced while streaming. gzip and deflate are
  decoded here through `zlib.decompressobj` with `max_length`: httpx's own
  decoding inflates whole chunks, which let a gzip bomb reach 230 MB (STACK.md);
- no redirects, no proxy or netrc from the environment, a User-Agent naming the product;
- one error type, OutboundHttpError, with a message a person can act on and
  whether trying again could help. Messages name the host and port, never the
  full URL: webhook URLs carry their secret in the path.
"""

import codecs
import contextlib
import email.utils
import functools
import json
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

USER_AGENT = "postguard/0.1"
CHUNK_BYTES = 64 * 1024
ERROR_BODY_BYTES = 8 * 1024  # enough for any error message; an error page is never worth more
SNIPPET_CHARS = 200


@dataclass(frozen=True)
class HttpResponse:
    """A finished response: the body is complete, decompressed and within the size cap."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(_charset(self.headers), errors="replace")


class OutboundHttpError(Exception):
    """An outbound call did not give a usable answer.

    `transient` says whether the same call later could succeed (timeouts, refused
    connections, 5xx, 408, 429); `status` is the HTTP status when there was one;
    `retry_after` is how many seconds the server asked us to wait; `response`
    holds what it answered (the body cut to a few KB) so a caller can read a
    service's own error message. `may_have_arrived` is set when the request was
    (or may have been) sent but no answer came: a retry could duplicate it.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after: float | None = None,
        response: HttpResponse | None = None,
        may_have_arrived: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.may_have_arrived = may_have_arrived
        self.status = status
        self.retry_after = retry_after
        self.response = response

    @property
    def accepted(self) -> bool:
        """The server answered 2xx before the body let us down: a POST went through, do not resend it."""
        return self.status is not None and 200 <= self.status < 300


def post_json(url: str, payload: Any, *, headers: dict[str, str] | None = None) -> HttpResponse:
    """POST `payload` as UTF-8 JSON; returns the 2xx response or raises OutboundHttpError."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return request("POST", url, headers={"Content-Type": "application/json", **(headers or {})}, content=body)


def fetch(url: str, *, headers: dict[str, str] | None = None) -> HttpResponse:
    """GET `url`; returns a 2xx or a 304, so a caller can send If-None-Match / If-Modified-Since."""
    return request("GET", url, headers=headers)


def request(
    method: str, url: str, *, headers: dict[str, str] | None = None, content: bytes | None = None
) -> HttpResponse:
    """Make one bounded call. Answers 2xx and 304 are returned; anything else raises OutboundHttpError."""
    target = _target(url)
    deadline_seconds = float(settings.OUTBOUND_TOTAL_DEADLINE)
    connect_seconds = min(float(settings.OUTBOUND_CONNECT_TIMEOUT), deadline_seconds)
    read_seconds = min(float(settings.OUTBOUND_READ_TIMEOUT), deadline_seconds)
    deadline = time.monotonic() + deadline_seconds
    watchdog = _Watchdog(deadline_seconds)
    timeout = httpx.Timeout(connect=connect_seconds, read=read_seconds, write=read_seconds, pool=connect_seconds)
    all_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
    status = None  # once known, every error carries it: a 2xx whose body then failed still means "taken"
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=_ssl_context()) as client,
            watchdog,
        ):
            stream = client.stream(
                method, url, headers=all_headers, content=content, extensions={"trace": watchdog.trace}
            )
            with stream as response:
                status = response.status_code
                return _finish(response, target=target, deadline=deadline, deadline_seconds=deadline_seconds)
    except OutboundHttpError as error:
        error.status = error.status or status
        raise
    except Exception as error:
        if watchdog.fired.is_set() or time.monotonic() >= deadline:
            failure = _deadline_error(target, deadline_seconds)
        elif isinstance(error, httpx.HTTPError):
            failure = _transport_error(error, target=target, connect=connect_seconds, read=read_seconds)
        else:
            raise
        failure.status = status
        raise failure from error


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _finish(response: httpx.Response, *, target: str, deadline: float, deadline_seconds: float) -> HttpResponse:
    status = response.status_code
    ok = 200 <= status < 300 or status == 304
    try:
        body = _read_body(
            response,
            limit=settings.OUTBOUND_MAX_RESPONSE_BYTES if ok else ERROR_BODY_BYTES,
            truncate=not ok,
            target=target,
            deadline=deadline,
            deadline_seconds=deadline_seconds,
        )
    except OutboundHttpError:
        if ok:
            raise
        body = b""  # an error page we cannot read does not change what its status says
    result = HttpResponse(status=status, headers=response.headers, body=body, url=str(response.url))
    if ok:
        return result
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    transient = status >= 500 or status in (408, 429)
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        message = f"HTTP {status} from {target}: redirects are not followed (Location: {location or 'none'})"
    else:
        snippet = " ".join(result.text.split())[:SNIPPET_CHARS]
        message = f"HTTP {status} from {target}" + (f": {snippet}" if snippet else "")
    raise OutboundHttpError(message, transient=transient, status=status, retry_after=retry_after, response=result)


def _read_body(
    response: httpx.Response,
    *,
    limit: int,
    truncate: bool,
    target: str,
    deadline: float,
    deadline_seconds: float,
) -> bytes:
    """Read the body up to `limit` bytes, raw and decoded alike, and no later than the deadline."""
    too_large = OutboundHttpError(f"response from {target} larger than {limit} bytes", transient=False)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and not truncate:
        raise too_large
    decoder = _decoder(response.headers.get("content-encoding", ""), target=target)
    parts: list[bytes] = []
    received = decoded = 0
    try:
        for chunk in response.iter_raw(CHUNK_BYTES):
            if time.monotonic() > deadline:
                raise _deadline_error(target, deadline_seconds)
            received += len(chunk)
            data = decoder.decompress(chunk, limit - decoded + 1) if decoder else chunk
            decoded += len(data)
            parts.append(data)
            if received > limit or decoded > limit:
                if truncate:
                    break
                raise too_large
        else:
            if decoder:
                tail = decoder.flush()
                decoded += len(tail)
                parts.append(tail)
                if decoded > limit and not truncate:
                    raise too_large
    except zlib.error as error:
        raise OutboundHttpError(f"could not decompress the response from {target}: {error}", transient=True) from error
    return b"".join(parts)[:limit]


def _decoder(content_encoding: str, *, target: str):
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip framing, whichever the server sent
    raise OutboundHttpError(f"{target} answered with unsupported Content-Encoding {encoding!r}", transient=False)


class _Watchdog:
    """Shuts the connection's socket at the deadline, waking a read that httpx's per-read timeout would let run on."""

    def __init__(self, seconds: float):
        self.fired = threading.Event()
        self._stream = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict) -> None:
        """httpx's trace hook: remember the newest network stream (plain TCP, then TLS over it)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._stream = info.get("return_value")

    def _fire(self) -> None:
        self.fired.set()
        stream = self._stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            # The plain socket's shutdown, even for TLS: SSLSocket.shutdown would unwrap
            # the TLS object under the reading thread's feet. OSError: the call just ended.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> "_Watchdog":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()


def _transport_error(error: httpx.HTTPError, *, target: str, connect: float, read: float) -> OutboundHttpError:
    if isinstance(error, httpx.ConnectTimeout):
        return OutboundHttpError(f"timed out after {connect:g} s connecting to {target}", transient=True)
    if isinstance(error, httpx.ReadTimeout):
        return OutboundHttpError(
            f"timed out after {read:g} s waiting for {target} to answer", transient=True, may_have_arrived=True
        )
    if isinstance(error, httpx.WriteTimeout):
        return OutboundHttpError(f"timed out after {read:g} s sending to {target}", transient=True)
    if isinstance(error, httpx.ConnectError):
        cause = _root_cause(error)
        if isinstance(cause, ConnectionRefusedError):
            return OutboundHttpError(f"connection refused by {target}", transient=True)
        if isinstance(cause, socket.gaierror):
            return OutboundHttpError(f"could not resolve {target}: {cause.strerror or cause}", transient=True)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return OutboundHttpError(f"TLS certificate of {target} rejected: {cause.verify_message}", transient=False)
        return OutboundHttpError(f"could not connect to {target}: {error}", transient=True)
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return OutboundHttpError(
            f"connection to {target} broke before a complete response ({error or type(error).__name__})",
            transient=True,
            may_have_arrived=True,
        )
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return OutboundHttpError(f"cannot call {target}: {error}", transient=False)
    return OutboundHttpError(f"request to {target} failed: {error or type(error).__name__}", transient=True)


def _deadline_error(target: str, seconds: float) -> OutboundHttpError:
    return OutboundHttpError(
        f"gave up on {target} after {seconds:g} s (total deadline)", transient=True, may_have_arrived=True
    )


def _target(url: str) -> str:
    """host:port for messages; rejects anything but an absolute http(s) URL before any network call."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise OutboundHttpError(f"not a valid URL: {error}", transient=False) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise OutboundHttpError(f"only http:// and https:// URLs can be called, not {url[:40]!r}", transient=False)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"{host}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"


def _root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return error


def _charset(headers: httpx.Headers) -> str:
    for part in headers.get("content-type", "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"')
            try:
                codecs.lookup(value)
            except LookupError:
                break
            return value
    return "utf-8"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verified TLS context per process: building it per call costs more than the call."""
    return httpx.create_ssl_context()
