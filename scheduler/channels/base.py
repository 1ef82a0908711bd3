"""The one interface every outbound channel adapter implements."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from scheduler.models import Channel, Delivery


class ChannelError(Exception):
    """A send did not succeed. `permanent` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class ChannelOutcomeUnknown(ChannelError):
    """The request went out but no answer came back: it may have been posted. Never retried blindly."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class ChannelConfigError(ChannelError):
    """The channel's settings are wrong: no retry will fix it."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


@dataclass(frozen=True)
class SendResult:
    external_id: str = ""


class ChannelAdapter:
    """Sends one delivery. Adapters must bound every network call in time and raise ChannelError."""

    kind: ClassVar[str]

    def __init__(self, channel: "Channel"):
        self.channel = channel
        self.settings = channel.settings or {}

    def send(self, delivery: "Delivery") -> SendResult:
        raise NotImplementedError

    def setting(self, name: str, *, required: bool = True, default=None):
        value = self.settings.get(name, default)
        if required and value in (None, ""):
            raise ChannelConfigError(f"channel {self.channel.slug} has no '{name}' setting")
        return value
