"""Small factories: a test names only what its scenario is about."""

import importlib
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from scheduler.models import Channel, Delivery, Post


def ensure_roles() -> None:
    """Transactional tests flush the tables, and with them the groups the roles migration made: remake them."""
    if Group.objects.filter(name="Crisis lead").exists():
        return
    for migration in ("0002_roles_and_global_switch", "0003_checker_roles"):
        importlib.import_module(f"guard.migrations.{migration}").grant_roles(Group, Permission)


def make_user(username: str, *, role: str | None = None, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(
            username=username, password="pw-" + username, email=f"{username}@example.test"
        )
    user = User.objects.create_user(username=username, password="pw-" + username, is_staff=True)
    if role:
        ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def make_channel(slug: str = "outbox", *, kind: str = Channel.Kind.FILE, **settings) -> Channel:
    return Channel.objects.create(slug=slug, name=slug.replace("-", " ").title(), kind=kind, settings=settings)


def make_post(
    *,
    author: User,
    channels: list[Channel],
    text: str = "Our autumn range is in store now.",
    scheduled_at: datetime | None = None,
    status: str = Post.Status.SCHEDULED,
    **fields,
) -> Post:
    """A post placed straight into a status, for scenarios that start mid-flow."""
    post = Post.objects.create(
        author=author,
        text=text,
        scheduled_at=scheduled_at or timezone.now() - timedelta(seconds=5),
        status=status,
        **fields,
    )
    Delivery.objects.bulk_create([Delivery(post=post, channel=channel) for channel in channels])
    return post


def make_due_posts(count: int, *, author: User, channels: list[Channel], seconds_ago: int = 5) -> list[Post]:
    slot = timezone.now() - timedelta(seconds=seconds_ago)
    return [
        make_post(author=author, channels=channels, text=f"Post number {n}", scheduled_at=slot) for n in range(count)
    ]
