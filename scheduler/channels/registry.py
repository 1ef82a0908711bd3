"""Channel kind -> adapter class."""

from scheduler.channels.email import EmailAdapter
from scheduler.channels.mastodon import MastodonAdapter
from scheduler.channels.outbox import FileOutboxAdapter
from scheduler.channels.webhook import WebhookAdapter

ADAPTERS = {
    FileOutboxAdapter.kind: FileOutboxAdapter,
    WebhookAdapter.kind: WebhookAdapter,
    MastodonAdapter.kind: MastodonAdapter,
    EmailAdapter.kind: EmailAdapter,
}
