"""Outbound channel adapters, one module per kind, looked up by `adapter_for(channel)`."""

from scheduler.channels.base import (
    ChannelAdapter,
    ChannelConfigError,
    ChannelError,
    ChannelOutcomeUnknown,
    SendResult,
)

__all__ = [
    "ChannelAdapter",
    "ChannelConfigError",
    "ChannelError",
    "ChannelOutcomeUnknown",
    "SendResult",
    "adapter_for",
]


def adapter_for(channel) -> ChannelAdapter:
    from scheduler.channels.registry import ADAPTERS

    try:
        adapter_class = ADAPTERS[channel.kind]
    except KeyError:
        raise ChannelConfigError(f"channel {channel.slug} has unknown kind {channel.kind!r}") from None
    return adapter_class(channel)
