"""`load_demo`: the embedded run's data, complete enough to show every flow and safe to load twice."""

import io
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from guard.models import KillSwitch
from scheduler.models import Channel, Delivery, Post
from scheduler.publishing import publish_due

Status = Post.Status


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Four demo users per test: the production hasher would make this module take half a minute."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "channels": list(Channel.objects.order_by("pk").values_list("pk", "slug", "enabled", "settings")),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "text", "status", "scheduled_at")),
        "deliveries": list(Delivery.objects.order_by("pk").values_list("pk", "state", "idempotency_key")),
    }


@pytest.mark.django_db
def test_loading_twice_creates_nothing_new():
    first = load_demo()
    before = snapshot()

    second = load_demo()

    assert snapshot() == before
    assert "created 2 channels, 4 users, 20 posts" in first
    assert "created 0 channels, 0 users, 0 posts (20 posts were already there)" in second


@pytest.mark.django_db
def test_posts_cover_every_status_the_demo_walks_through():
    load_demo()
    now = timezone.now()
    posts = list(Post.objects.prefetch_related("deliveries__channel"))
    by_status = Counter(post.status for post in posts)

    assert 18 <= len(posts) <= 22
    assert by_status[Status.PUBLISHED] >= 2
    assert by_status[Status.SCHEDULED] >= 8
    assert {status: by_status[status] for status in (Status.PAUSED, Status.IN_REVIEW, Status.DRAFT)} == {
        Status.PAUSED: 1,
        Status.IN_REVIEW: 1,
        Status.DRAFT: 1,
    }
    assert by_status[Status.MISSED] == 1
    assert by_status[Status.CANCELLED] == 1
    assert all(post.scheduled_at < now for post in posts if post.status in (Status.PUBLISHED, Status.MISSED))
    assert all(post.scheduled_at > now for post in posts if post.status == Status.SCHEDULED)
    span = max(post.scheduled_at for post in posts) - min(post.scheduled_at for post in posts)
    assert 10 <= span.days <= 18
    paused = next(post for post in posts if post.status == Status.PAUSED)
    assert paused.status_reason.strip()
    assert {d.channel.slug for post in posts for d in post.deliveries.all()} == {"demo-outbox"}
    published = [post for post in posts if post.status == Status.PUBLISHED]
    assert all(d.state == Delivery.State.SENT and d.sent_at for post in published for d in post.deliveries.all())
    missed = next(post for post in posts if post.status == Status.MISSED)
    assert missed.deliveries.get().state == Delivery.State.MISSED


@pytest.mark.django_db
def test_copy_includes_polish_and_arabic():
    load_demo()
    languages = Counter(Post.objects.values_list("language", flat=True))

    assert languages["pl"] >= 2
    assert languages["ar"] == 1
    polish = Post.objects.filter(language="pl").values_list("text", flat=True)
    assert any(char in text for text in polish for char in "ąćęłńóśźż")
    arabic = Post.objects.get(language="ar").text
    assert any("\u0600" <= char <= "\u06ff" for char in arabic)


@pytest.mark.django_db
def test_users_have_the_three_roles_and_demo_passwords():
    output = load_demo()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("admin-demo-pw")
    for username, role in {"maria": "Marketer", "rita": "Reviewer", "carlos": "Crisis lead"}.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff
        assert not user.is_superuser
        assert user.check_password(f"{username}-demo-pw")
    assert User.objects.get(username="carlos").has_perm("guard.release_killswitch")
    assert not User.objects.get(username="maria").has_perm("guard.release_killswitch")
    assert "demo-only" in output


@pytest.mark.django_db
def test_channels_send_nothing_over_the_network_and_nothing_is_due_now(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path
    load_demo()

    outbox = Channel.objects.get(slug="demo-outbox")
    chat = Channel.objects.get(slug="team-chat")
    assert outbox.kind == Channel.Kind.FILE
    assert outbox.enabled
    assert chat.kind == Channel.Kind.WEBHOOK
    assert not chat.enabled
    assert chat.settings["url"] == "http://127.0.0.1:8765/hook"
    assert KillSwitch.objects.filter(scope="*", engaged=False).exists()
    summary = publish_due()
    assert summary.attempted == 0
    assert summary.missed == 0
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_existing_users_keep_their_passwords():
    User.objects.create_user("maria", password="her-own-password")

    load_demo()

    maria = User.objects.get(username="maria")
    assert maria.check_password("her-own-password")
    assert list(maria.groups.values_list("name", flat=True)) == ["Marketer"]
