"""Mastodon: publish a status through the statuses API.

Settings: `base_url` (the instance, e.g. https://mastodon.example), `token_env`
(the name of the environment variable holding the access token: the token
itself never sits in the settings JSON), `visibility` (public, unlisted,
private, direct; default public) and `max_characters` (the instance's limit,
default 500). Mastodon keeps an `Idempotency-Key` for an hour, so a retry after
a lost answer does not post twice.
"""

import os
import re
import unicodedata
from datetime import UTC, datetime

from config import http
from scheduler.channels.base import ChannelAdapter, ChannelConfigError, ChannelError, SendResult
from scheduler.channels.webhook import response_id

DEFAULT_MAX_CHARACTERS = 500
URL_CHARACTERS = 23  # Mastodon counts every link as 23 characters, whatever its length
VISIBILITIES = ("public", "unlisted", "private", "direct")

_URL = re.compile(r"https?://\S+")
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@\w[\w.-]*)@[\w-]+(?:\.[\w-]+)+")


class MastodonAdapter(ChannelAdapter):
    kind = "mastodon"

    def send(self, delivery) -> SendResult:
        base_url = str(self.setting("base_url")).rstrip("/")
        token = self.token()
        post = delivery.post
        visibility = self.settings.get("visibility") or "public"
        if visibility not in VISIBILITIES:
            raise ChannelConfigError(
                f"channel {self.channel.slug} has visibility {visibility!r}: use one of {', '.join(VISIBILITIES)}"
            )
        limit = self.max_characters()
        length = status_length(post.text)
        if length > limit:
            raise ChannelError(
                f"the post is {length} characters as Mastodon counts them and this instance accepts at most {limit}",
                permanent=True,
            )
        status = {"status": post.text, "visibility": visibility}
        if post.language:
            status["language"] = post.language
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(delivery.idempotency_key)}
        try:
            response = http.post_json(f"{base_url}/api/v1/statuses", status, headers=headers)
        except http.OutboundHttpError as error:
            if error.accepted:  # Mastodon said 2xx before its body failed us: the status is out
                return SendResult()
            raise _channel_error(error) from error
        return SendResult(external_id=response_id(response))

    def max_characters(self) -> int:
        value = self.settings.get("max_characters") or DEFAULT_MAX_CHARACTERS
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ChannelConfigError(
                f"channel {self.channel.slug} has max_characters {value!r}: it must be a whole number"
            ) from None

    def token(self) -> str:
        name = self.setting("token_env")
        token = os.environ.get(name, "").strip()
        if not token:
            raise ChannelConfigError(
                f"channel {self.channel.slug}: the environment variable {name} is not set; "
                "it must hold the Mastodon access token"
            )
        return token


def status_length(text: str) -> int:
    """The length Mastodon checks against its limit: links count 23, remote mentions as @user, emoji as one.

    Mastodon counts grapheme clusters; this approximation may count fewer, never
    more, so a post the instance would take is never refused here (and one it
    would refuse comes back as a 422 with its own message).
    """
    text = _URL.sub("x" * URL_CHARACTERS, text)
    text = _REMOTE_MENTION.sub(r"\1", text)
    count = 0
    after_joiner = False
    open_flag = False  # a regional indicator waiting for its pair: two make one flag
    for char in text:
        code = ord(char)
        if _extends_previous(char):
            after_joiner = code == 0x200D
            continue
        if after_joiner:
            after_joiner = False
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            open_flag = not open_flag
            if not open_flag:
                continue
        else:
            open_flag = False
        count += 1
    return count


def _extends_previous(char: str) -> bool:
    """Combining marks, zero-width joiner, variation selectors, skin tones and tag characters."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
    )


def _channel_error(error: http.OutboundHttpError) -> ChannelError:
    """Carry Mastodon's own explanation ("Validation failed: ...") and its rate-limit reset into the error."""
    response = error.response
    retry_after = error.retry_after
    if error.status == 429 and retry_after is None and response is not None:
        retry_after = _seconds_until(response.headers.get("x-ratelimit-reset"))
    explanation = _mastodon_error(response)
    message = f"Mastodon answered HTTP {error.status}: {explanation}" if explanation else error.message
    return ChannelError(message, permanent=not error.transient, retry_after=retry_after)


def _mastodon_error(response: http.HttpResponse | None) -> str:
    if response is None:
        return ""
    try:
        document = response.json()
    except ValueError:
        return ""
    if isinstance(document, dict) and isinstance(document.get("error"), str):
        return " ".join(document["error"].split())[:300]
    return ""


def _seconds_until(timestamp: str | None) -> float | None:
    """Mastodon's X-RateLimit-Reset is an ISO 8601 time, not the Retry-After it does not send."""
    if not timestamp:
        return None
    try:
        when = datetime.fromisoformat(timestamp.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
