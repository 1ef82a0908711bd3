"""Generic webhook: POST the post as JSON to a URL, shaped for Slack, Discord, Teams or our own consumers.

Settings: `url` (required; treat it as a secret, many services put the token in
the path) and `payload_style` (generic, slack, discord, teams; default generic).
Every request carries `Idempotency-Key`, so a receiver that honours it can drop
the second copy of a retried send.
"""

from config import http
from scheduler.channels.base import ChannelAdapter, ChannelConfigError, ChannelError, ChannelOutcomeUnknown, SendResult

DISCORD_MAX_CHARACTERS = 2000
PAYLOAD_STYLES = ("generic", "slack", "discord", "teams")


class WebhookAdapter(ChannelAdapter):
    kind = "webhook"

    def payload(self, delivery) -> dict:
        """The JSON body for this channel's style; a post the style cannot carry whole is refused, not cut."""
        post = delivery.post
        style = self.settings.get("payload_style") or "generic"
        if style in ("slack", "teams"):
            return {"text": post.text}
        if style == "discord":
            if len(post.text) > DISCORD_MAX_CHARACTERS:
                raise ChannelError(
                    f"the post is {len(post.text)} characters and Discord accepts at most {DISCORD_MAX_CHARACTERS}: "
                    "shorten it rather than let the channel cut it",
                    permanent=True,
                )
            return {"content": post.text}
        if style == "generic":
            return {
                "text": post.text,
                "post_id": post.pk,
                "channel": self.channel.slug,
                "scheduled_at": post.scheduled_at.isoformat(),
                "language": post.language,
                "campaign": post.campaign,
                "idempotency_key": str(delivery.idempotency_key),
            }
        raise ChannelConfigError(
            f"channel {self.channel.slug} has payload_style {style!r}: use one of {', '.join(PAYLOAD_STYLES)}"
        )

    def send(self, delivery) -> SendResult:
        url = self.setting("url")
        payload = self.payload(delivery)
        try:
            response = http.post_json(url, payload, headers={"Idempotency-Key": str(delivery.idempotency_key)})
        except http.OutboundHttpError as error:
            if error.accepted:  # the endpoint said 2xx before its body failed us: the post is out
                return SendResult()
            if error.may_have_arrived:  # chat webhooks ignore Idempotency-Key: a retry could post twice
                raise ChannelOutcomeUnknown(
                    f"{error.message}; the message may have been posted: check the channel, then settle it"
                ) from error
            raise ChannelError(error.message, permanent=not error.transient, retry_after=error.retry_after) from error
        return SendResult(external_id=response_id(response))


def response_id(response: http.HttpResponse) -> str:
    """The receiver's id for what we sent, when it answers JSON with an "id"; Slack and Discord answer none."""
    try:
        document = response.json()
    except ValueError:
        return ""
    if isinstance(document, dict) and document.get("id") not in (None, ""):
        return str(document["id"])[:255]
    return ""
