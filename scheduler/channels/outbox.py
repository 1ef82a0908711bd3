"""File outbox: appends each delivery as one JSON line. The embedded default for demos."""

import fcntl
import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from scheduler.channels.base import ChannelAdapter, ChannelError, SendResult


class FileOutboxAdapter(ChannelAdapter):
    kind = "file"

    def path(self) -> Path:
        configured = self.settings.get("path")
        return Path(configured) if configured else Path(settings.OUTBOX_DIR) / f"{self.channel.slug}.jsonl"

    def send(self, delivery) -> SendResult:
        post = delivery.post
        line = json.dumps(
            {
                "idempotency_key": str(delivery.idempotency_key),
                "channel": self.channel.slug,
                "post_id": post.pk,
                "text": post.text,
                "language": post.language,
                "campaign": post.campaign,
                "scheduled_at": post.scheduled_at.isoformat(),
                "sent_at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as outbox:
                fcntl.flock(outbox, fcntl.LOCK_EX)  # two workers never interleave half-lines
                outbox.write(line + "\n")
                outbox.flush()
                os.fsync(outbox.fileno())
        except OSError as error:
            raise ChannelError(
                f"could not write to outbox {path}: {error.strerror or error}", permanent=False
            ) from error
        return SendResult(external_id=str(delivery.idempotency_key))
