"""Channel adapters and the outbound HTTP module against real servers on loopback.

No adapter or httpx is mocked: each scenario runs a real HTTP or SMTP server
(tests/servers.py) that answers, fails or misbehaves the way a channel can.
"""

import email
import email.message
import email.policy
import email.utils
import gzip
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from config import http
from scheduler.channels import ChannelConfigError, ChannelError, ChannelOutcomeUnknown, adapter_for
from scheduler.channels.mastodon import status_length
from tests.factories import make_channel, make_post
from tests.servers import (
    PickySmtpServer,
    ScriptedHttpServer,
    answer_raw,
    drip_body,
    drip_headers,
    free_port,
    gzip_bomb,
    hang_up,
)

pytestmark = pytest.mark.django_db

TOKEN_ENV = "POSTGUARD_TEST_MASTODON_TOKEN"
MULTILINGUAL = "Zażółć gęślą jaźń: jesienna wyprzedaż\nخصم الخريف يبدأ اليوم 🍂🎉"


def send(channel, post):
    return adapter_for(channel).send(post.deliveries.get())


@pytest.fixture
def scripted():
    """Start a ScriptedHttpServer for a script; every one started is stopped after the test."""
    servers = []

    def start(script) -> ScriptedHttpServer:
        server = ScriptedHttpServer(script).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def tight_deadlines(settings):
    settings.OUTBOUND_CONNECT_TIMEOUT = 1
    settings.OUTBOUND_READ_TIMEOUT = 0.5
    settings.OUTBOUND_TOTAL_DEADLINE = 1.5
    return settings


@pytest.fixture
def mastodon(http_sink, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "tok-123")
    return make_channel("toots", kind="mastodon", base_url=http_sink.url + "/", token_env=TOKEN_ENV)


def parse_email(received: dict) -> email.message.EmailMessage:
    """The message as a mail client reads it (the header is folded, so its subject may start with a space)."""
    return email.message_from_bytes(received["data"].encode("utf-8"), policy=email.policy.default)


def smtp_channel(port: int, **settings):
    return make_channel(
        "newsletter",
        kind="email",
        **{"host": "127.0.0.1", "port": port, "recipients": ["ala@example.test"], **settings},
    )


# Webhooks


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("slack", {"text": MULTILINGUAL}),
        ("teams", {"text": MULTILINGUAL}),
        ("discord", {"content": MULTILINGUAL}),
    ],
)
def test_chat_webhooks_get_the_text_in_their_shape_with_the_idempotency_key(marketer, http_sink, style, expected):
    channel = make_channel("chat", kind="webhook", url=http_sink.url + "/hook", payload_style=style)
    post = make_post(author=marketer, channels=[channel], text=MULTILINGUAL)

    send(channel, post)

    [request] = http_sink.received()
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.json() == expected
    assert request.headers["idempotency-key"] == str(post.deliveries.get().idempotency_key)
    assert request.headers["user-agent"] == "postguard/0.1"


def test_a_generic_webhook_gets_the_whole_post_and_its_id_is_recorded(marketer, http_sink):
    channel = make_channel("ops", kind="webhook", url=http_sink.url + "/in")
    post = make_post(author=marketer, channels=[channel], text=MULTILINGUAL, language="pl", campaign="autumn")
    delivery = post.deliveries.get()
    http_sink.behaviour.body = b'{"id": 4242}'

    result = adapter_for(channel).send(delivery)

    assert result.external_id == "4242"
    assert http_sink.received()[0].json() == {
        "text": MULTILINGUAL,
        "post_id": post.pk,
        "channel": "ops",
        "scheduled_at": post.scheduled_at.isoformat(),
        "language": "pl",
        "campaign": "autumn",
        "idempotency_key": str(delivery.idempotency_key),
    }


def test_a_webhook_that_answers_plain_ok_is_sent_without_an_external_id(marketer, http_sink, webhook_channel):
    http_sink.behaviour.body = b"ok"
    http_sink.behaviour.content_type = "text/plain"
    post = make_post(author=marketer, channels=[webhook_channel])

    assert send(webhook_channel, post).external_id == ""


def test_a_post_too_long_for_discord_is_refused_whole_and_never_sent(marketer, http_sink):
    channel = make_channel("gamers", kind="webhook", url=http_sink.url, payload_style="discord")
    post = make_post(author=marketer, channels=[channel], text="a" * 2001)

    with pytest.raises(ChannelError) as refused:
        send(channel, post)

    assert refused.value.permanent
    assert "2001 characters" in refused.value.message
    assert "2000" in refused.value.message
    assert http_sink.received() == []


def test_an_unknown_payload_style_is_a_configuration_error(marketer, http_sink):
    channel = make_channel("odd", kind="webhook", url=http_sink.url, payload_style="telegram")
    post = make_post(author=marketer, channels=[channel])

    with pytest.raises(ChannelConfigError, match="telegram"):
        send(channel, post)
    assert http_sink.received() == []


def test_a_rejected_webhook_reports_the_status_and_body_but_not_the_secret_in_its_url(marketer, http_sink):
    channel = make_channel("slack", kind="webhook", url=http_sink.url + "/services/T0/B0/s3cr3t", payload_style="slack")
    post = make_post(author=marketer, channels=[channel])
    http_sink.behaviour.status = 400
    http_sink.behaviour.body = b"invalid_payload " + b"x" * 500

    with pytest.raises(ChannelError) as rejected:
        send(channel, post)

    host_and_port = http_sink.url.removeprefix("http://")
    assert rejected.value.permanent
    assert rejected.value.message.startswith(f"HTTP 400 from {host_and_port}: invalid_payload x")
    assert "s3cr3t" not in rejected.value.message
    assert len(rejected.value.message) < 260


def test_a_webhook_that_redirects_is_not_followed(marketer, http_sink, webhook_channel):
    http_sink.behaviour.status = 301
    http_sink.behaviour.extra_headers = {"Location": "http://elsewhere.test/hook"}
    post = make_post(author=marketer, channels=[webhook_channel])

    with pytest.raises(ChannelError) as redirected:
        send(webhook_channel, post)

    assert redirected.value.permanent
    assert "elsewhere.test" in redirected.value.message
    assert "not followed" in redirected.value.message
    assert len(http_sink.received()) == 1


def test_a_webhook_that_says_200_with_a_huge_body_counts_as_sent(marketer, http_sink, webhook_channel):
    http_sink.behaviour.body = b"[" + b"0," * 600_000 + b"0]"
    post = make_post(author=marketer, channels=[webhook_channel])

    assert send(webhook_channel, post).external_id == ""
    assert len(http_sink.received()) == 1


# Mastodon


def test_a_mastodon_status_carries_the_token_key_visibility_and_language(marketer, http_sink, mastodon):
    mastodon.settings["visibility"] = "unlisted"
    mastodon.save()
    post = make_post(author=marketer, channels=[mastodon], text=MULTILINGUAL, language="pl")
    http_sink.behaviour.body = b'{"id": "109876543210", "uri": "https://m.example/statuses/1"}'

    result = send(mastodon, post)

    [request] = http_sink.received()
    assert request.path == "/api/v1/statuses"
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["idempotency-key"] == str(post.deliveries.get().idempotency_key)
    assert request.json() == {"status": MULTILINGUAL, "visibility": "unlisted", "language": "pl"}
    assert result.external_id == "109876543210"
    assert "tok-123" not in str(mastodon.settings)


def test_a_mastodon_post_without_a_language_lets_the_instance_guess(marketer, http_sink, mastodon):
    post = make_post(author=marketer, channels=[mastodon])

    send(mastodon, post)

    assert http_sink.received()[0].json() == {"status": post.text, "visibility": "public"}


@pytest.mark.parametrize(
    ("status", "mastodon_says"),
    [
        (401, "The access token is invalid"),
        (403, "This action is outside the authorized scopes"),
        (422, "Validation failed: Text character limit of 500 exceeded"),
    ],
)
def test_mastodon_refusals_are_permanent_and_carry_mastodons_message(
    marketer, http_sink, mastodon, status, mastodon_says
):
    http_sink.behaviour.status = status
    http_sink.behaviour.body = f'{{"error": "{mastodon_says}"}}'.encode()
    post = make_post(author=marketer, channels=[mastodon])

    with pytest.raises(ChannelError) as refused:
        send(mastodon, post)

    assert refused.value.permanent
    assert refused.value.message == f"Mastodon answered HTTP {status}: {mastodon_says}"


def test_a_mastodon_500_is_worth_retrying(marketer, http_sink, mastodon):
    http_sink.behaviour.status = 500
    http_sink.behaviour.body = b"<html>We're sorry, but something went wrong</html>"
    post = make_post(author=marketer, channels=[mastodon])

    with pytest.raises(ChannelError) as failed:
        send(mastodon, post)

    assert not failed.value.permanent
    assert "HTTP 500" in failed.value.message
    assert "something went wrong" in failed.value.message


def test_a_rate_limited_mastodon_post_waits_as_long_as_retry_after_says(marketer, http_sink, mastodon):
    http_sink.behaviour.status = 429
    http_sink.behaviour.body = b'{"error": "Too many requests"}'
    http_sink.behaviour.extra_headers = {"Retry-After": "120"}
    post = make_post(author=marketer, channels=[mastodon])

    with pytest.raises(ChannelError) as limited:
        send(mastodon, post)

    assert not limited.value.permanent
    assert limited.value.retry_after == 120
    assert "Too many requests" in limited.value.message


def test_a_rate_limited_mastodon_post_without_retry_after_waits_for_the_rate_limit_reset(marketer, http_sink, mastodon):
    reset = datetime.now(UTC) + timedelta(seconds=90)
    http_sink.behaviour.status = 429
    http_sink.behaviour.body = b'{"error": "Too many requests"}'
    http_sink.behaviour.extra_headers = {"X-RateLimit-Reset": reset.isoformat(timespec="microseconds")}
    post = make_post(author=marketer, channels=[mastodon])

    with pytest.raises(ChannelError) as limited:
        send(mastodon, post)

    assert not limited.value.permanent
    assert 80 < limited.value.retry_after <= 90


def test_a_mastodon_2xx_without_a_status_id_is_still_sent(marketer, http_sink, mastodon):
    http_sink.behaviour.body = b"<html>accepted</html>"
    http_sink.behaviour.content_type = "text/html"
    post = make_post(author=marketer, channels=[mastodon])

    assert send(mastodon, post).external_id == ""
    assert len(http_sink.received()) == 1


def test_a_missing_token_variable_is_a_configuration_error_that_names_it(marketer, http_sink, monkeypatch):
    monkeypatch.delenv("POSTGUARD_TEST_UNSET_TOKEN", raising=False)
    channel = make_channel("toots", kind="mastodon", base_url=http_sink.url, token_env="POSTGUARD_TEST_UNSET_TOKEN")
    post = make_post(author=marketer, channels=[channel])

    with pytest.raises(ChannelConfigError) as missing:
        send(channel, post)

    assert missing.value.permanent
    assert "POSTGUARD_TEST_UNSET_TOKEN" in missing.value.message
    assert http_sink.received() == []


def test_a_post_over_the_instance_limit_is_refused_before_it_is_sent(marketer, http_sink, mastodon):
    mastodon.settings["max_characters"] = 50
    mastodon.save()
    post = make_post(author=marketer, channels=[mastodon], text="Jesienna wyprzedaż! " * 3)

    with pytest.raises(ChannelError) as too_long:
        send(mastodon, post)

    assert too_long.value.permanent
    assert "60 characters" in too_long.value.message
    assert "at most 50" in too_long.value.message
    assert http_sink.received() == []


def test_a_long_link_counts_as_23_characters_so_the_post_still_fits(marketer, http_sink, mastodon):
    mastodon.settings["max_characters"] = 30
    mastodon.save()
    text = "Sale! https://shop.example.com/autumn/" + "x" * 80
    post = make_post(author=marketer, channels=[mastodon], text=text)

    send(mastodon, post)

    assert http_sink.received()[0].json()["status"] == text


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("zażółć", 6),
        ("ząb".replace("ą", "a\u0328"), 3),  # a + combining ogonek is one character to a reader
        ("👍🏽", 1),
        ("👨‍👩‍👧", 1),
        ("🇵🇱🇺🇦", 2),
        ("see https://example.com/" + "a" * 100, 4 + 23),
        ("hi @rita@mastodon.example", len("hi @rita")),
        ("مرحبا", 5),
    ],
)
def test_mastodon_counts_characters_as_a_reader_sees_them(text, length):
    assert status_length(text) == length


# Network failures, through the webhook adapter and the shared HTTP module


def test_a_webhook_that_hangs_times_out_within_the_read_timeout(marketer, http_sink, webhook_channel, tight_deadlines):
    http_sink.behaviour.hang = True
    post = make_post(author=marketer, channels=[webhook_channel])

    started = time.monotonic()
    with pytest.raises(ChannelOutcomeUnknown) as timed_out:
        send(webhook_channel, post)

    assert time.monotonic() - started < 1.5
    assert "may have been posted" in timed_out.value.message
    assert timed_out.value.message.startswith("timed out after 0.5 s waiting for 127.0.0.1:")


def test_a_feed_that_drips_a_byte_at_a_time_is_cut_off_by_the_total_deadline(scripted, tight_deadlines):
    server = scripted(drip_body(interval=0.2))

    started = time.monotonic()
    with pytest.raises(http.OutboundHttpError) as dripping:
        http.fetch(server.url + "/feed.xml")

    assert time.monotonic() - started < 1.5 + 0.5
    assert dripping.value.transient
    assert "after 1.5 s (total deadline)" in dripping.value.message


def test_a_webhook_whose_headers_drip_in_is_cut_off_by_the_total_deadline(
    marketer, scripted, tight_deadlines, webhook_channel
):
    server = scripted(drip_headers(interval=0.2))
    webhook_channel.settings["url"] = server.url + "/hook"
    webhook_channel.save()
    post = make_post(author=marketer, channels=[webhook_channel])

    started = time.monotonic()
    with pytest.raises(ChannelOutcomeUnknown) as dripping:
        send(webhook_channel, post)

    assert time.monotonic() - started < 1.5 + 0.5
    assert "total deadline" in dripping.value.message


def test_a_webhook_that_says_200_then_drips_its_body_counts_as_sent(
    marketer, scripted, tight_deadlines, webhook_channel
):
    server = scripted(drip_body(interval=0.2))
    webhook_channel.settings["url"] = server.url + "/hook"
    webhook_channel.save()
    post = make_post(author=marketer, channels=[webhook_channel])

    assert send(webhook_channel, post).external_id == ""
    assert server.connections == 1


def test_a_refused_connection_is_worth_retrying(marketer, webhook_channel):
    port = free_port()
    webhook_channel.settings["url"] = f"http://127.0.0.1:{port}/hook"
    webhook_channel.save()
    post = make_post(author=marketer, channels=[webhook_channel])

    with pytest.raises(ChannelError) as refused:
        send(webhook_channel, post)

    assert not refused.value.permanent
    assert refused.value.message == f"connection refused by 127.0.0.1:{port}"


def test_a_webhook_that_hangs_up_without_answering_may_have_posted_so_it_is_not_retried(
    marketer, scripted, webhook_channel
):
    server = scripted(hang_up())
    webhook_channel.settings["url"] = server.url + "/hook"
    webhook_channel.save()
    post = make_post(author=marketer, channels=[webhook_channel])

    with pytest.raises(ChannelOutcomeUnknown) as broken:
        send(webhook_channel, post)

    assert "broke before a complete response" in broken.value.message


def test_an_oversized_feed_is_refused_from_its_declared_length(http_sink):
    http_sink.behaviour.body = b"x" * 1_500_000

    with pytest.raises(http.OutboundHttpError) as too_big:
        http.fetch(http_sink.url + "/feed.xml")

    assert not too_big.value.transient
    assert too_big.value.message.endswith("larger than 1000000 bytes")


def test_an_oversized_feed_without_a_length_is_cut_off_while_streaming(scripted, settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 100_000
    server = scripted(answer_raw(b"x" * 300_000, declare_length=False))

    with pytest.raises(http.OutboundHttpError) as too_big:
        http.fetch(server.url + "/feed.xml")

    assert too_big.value.message.endswith("larger than 100000 bytes")


def test_a_gzip_bomb_is_capped_before_it_inflates(scripted):
    server = scripted(answer_raw(gzip_bomb(64 << 20), content_encoding="gzip"))

    tracemalloc.start()
    try:
        with pytest.raises(http.OutboundHttpError) as bomb:
            http.fetch(server.url + "/feed.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not bomb.value.transient
    assert bomb.value.message.endswith("larger than 1000000 bytes")
    assert peak < 16 << 20  # 64 MB inflated would have shown here


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
)
def test_a_compressed_answer_is_decoded(scripted, encoding, compress):
    server = scripted(answer_raw(compress('{"headline": "Wichura nad Bałtykiem"}'.encode()), content_encoding=encoding))

    response = http.fetch(server.url + "/feed.json")

    assert response.json() == {"headline": "Wichura nad Bałtykiem"}


def test_a_feed_can_be_fetched_conditionally(http_sink):
    http_sink.behaviour.status = 304
    http_sink.behaviour.body = b""
    http_sink.behaviour.extra_headers = {"ETag": '"v2"'}

    response = http.fetch(http_sink.url + "/feed.xml", headers={"If-None-Match": '"v1"'})

    assert response.status == 304
    assert response.headers["etag"] == '"v2"'
    [request] = http_sink.received()
    assert request.method == "GET"
    assert request.headers["if-none-match"] == '"v1"'


def test_retry_after_as_an_http_date_becomes_seconds(http_sink):
    later = datetime.now(UTC) + timedelta(seconds=60)
    http_sink.behaviour.status = 503
    http_sink.behaviour.extra_headers = {"Retry-After": email.utils.format_datetime(later, usegmt=True)}

    with pytest.raises(http.OutboundHttpError) as unavailable:
        http.fetch(http_sink.url)

    assert unavailable.value.transient
    assert unavailable.value.status == 503
    assert 55 < unavailable.value.retry_after <= 60


def test_only_http_urls_are_called():
    with pytest.raises(http.OutboundHttpError) as refused:
        http.fetch("file:///etc/passwd")

    assert not refused.value.transient


# Email


def test_an_email_reaches_the_server_with_subject_recipients_and_message_id(marketer, smtp_server):
    channel = smtp_channel(
        smtp_server.port, recipients=["ala@example.test", "omar@example.test"], subject="Jesień 🍂 خصم"
    )
    post = make_post(author=marketer, channels=[channel], text=MULTILINGUAL)
    delivery = post.deliveries.get()

    result = adapter_for(channel).send(delivery)

    [received] = smtp_server.messages
    assert received["to"] == ["ala@example.test", "omar@example.test"]
    message = parse_email(received)
    assert message["Subject"].strip() == "Jesień 🍂 خصم"
    assert message["Message-ID"] == f"<{delivery.idempotency_key}@postguard>"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == MULTILINGUAL
    assert result.external_id == f"<{delivery.idempotency_key}@postguard>"


def test_an_email_subject_falls_back_to_the_campaign_then_to_the_first_line(marketer, smtp_server):
    channel = smtp_channel(smtp_server.port)
    with_campaign = make_post(author=marketer, channels=[channel], text="Hello\nmore", campaign="Autumn sale")
    long_first_line = "Wyprzedaż " * 12 + "\nsecond line"
    without = make_post(author=marketer, channels=[channel], text=long_first_line)

    send(channel, with_campaign)
    send(channel, without)

    subjects = [parse_email(m)["Subject"].strip() for m in smtp_server.messages]
    assert subjects[0] == "Autumn sale"
    assert subjects[1].startswith("Wyprzedaż Wyprzedaż")
    assert subjects[1].endswith("…")
    assert len(subjects[1]) <= 78


def test_an_smtp_server_that_refuses_connections_is_worth_retrying(marketer):
    port = free_port()
    channel = smtp_channel(port)
    post = make_post(author=marketer, channels=[channel])

    with pytest.raises(ChannelError) as refused:
        send(channel, post)

    assert not refused.value.permanent
    assert refused.value.message == f"connection refused by 127.0.0.1:{port}"


def test_a_refused_recipient_fails_the_email_for_good(marketer):
    server = PickySmtpServer({"gone@example.test": "550 5.1.1 no such user"}).start()
    try:
        channel = smtp_channel(server.port, recipients=["gone@example.test"])
        post = make_post(author=marketer, channels=[channel])

        with pytest.raises(ChannelError) as refused:
            send(channel, post)
    finally:
        server.stop()

    assert refused.value.permanent
    assert "gone@example.test: 550 5.1.1 no such user" in refused.value.message
    assert server.messages == []


def test_a_greylisted_recipient_is_tried_again_later(marketer):
    server = PickySmtpServer({"busy@example.test": "451 4.7.1 greylisted, try again later"}).start()
    try:
        channel = smtp_channel(server.port, recipients=["busy@example.test"])
        post = make_post(author=marketer, channels=[channel])

        with pytest.raises(ChannelError) as deferred:
            send(channel, post)
    finally:
        server.stop()

    assert not deferred.value.permanent
    assert "451" in deferred.value.message


def test_an_email_channel_without_recipients_is_a_configuration_error(marketer, smtp_server):
    channel = smtp_channel(smtp_server.port, recipients=[])
    post = make_post(author=marketer, channels=[channel])

    with pytest.raises(ChannelConfigError, match="no recipients"):
        send(channel, post)
    assert smtp_server.messages == []


def test_a_missing_smtp_password_variable_is_a_configuration_error_that_names_it(marketer, smtp_server, monkeypatch):
    monkeypatch.delenv("POSTGUARD_TEST_SMTP_PASSWORD", raising=False)
    channel = smtp_channel(smtp_server.port, username="mailer", password_env="POSTGUARD_TEST_SMTP_PASSWORD")
    post = make_post(author=marketer, channels=[channel])

    with pytest.raises(ChannelConfigError, match="POSTGUARD_TEST_SMTP_PASSWORD"):
        send(channel, post)
    assert smtp_server.messages == []
