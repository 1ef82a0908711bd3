"""Channel kind -> adapter class."""

from scheduler.channels.outbox import FileOutboxAdapter

ADAPTERS = {
    FileOutboxAdapter.kind: FileOutboxAdapter,
}
