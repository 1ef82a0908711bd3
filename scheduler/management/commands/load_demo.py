"""Demo data for the embedded run: a fortnight of posts for Larchmere Outdoor Co., a fictional outdoor-clothing brand.

The users and passwords made here are for a local demo only; never load this
into a database that anyone else can reach.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from guard.services import ensure_global_kill_switch
from scheduler import services
from scheduler.models import Channel, Delivery, Post

Status = Post.Status

OUTBOX = "demo-outbox"
TEAM_CHAT = "team-chat"
SUPERUSER = "admin"
ROLE_USERS = {"maria": "Marketer", "rita": "Reviewer", "carlos": "Crisis lead"}


def demo_password(username: str) -> str:
    return f"{username}-demo-pw"


@dataclass(frozen=True)
class DemoPost:
    day: int  # days from today, in the post's zone
    at: str  # local time of day, HH:MM
    status: str
    text: str
    language: str = "en"
    zone: str = "Europe/London"
    campaign: str = ""
    reason: str = ""


PAUSE_REASON = "Held by rita: flooding in the north is in the news; not the day for a rain-jacket stunt."
MISSED_REASON = "its slot passed while all channels were halted for a drill"

POSTS = [
    DemoPost(
        -4,
        "09:00",
        Status.PUBLISHED,
        "Spring has reached the trailheads. The new Ridge shell weighs 310 g, packs into its own pocket "
        "and keeps a steady drizzle where it belongs: outside. In our shops and online today.",
        campaign="spring-launch",
    ),
    DemoPost(
        -3,
        "12:30",
        Status.PUBLISHED,
        "Wiosna dotarła na szlaki! Nowa kurtka Ridge waży 310 g, mieści się we własnej kieszeni "
        "i nie boi się mżawki. Już w naszych sklepach i online.",
        language="pl",
        zone="Europe/Warsaw",
        campaign="spring-launch",
    ),
    DemoPost(
        -2,
        "17:00",
        Status.PUBLISHED,
        "Trail tip: tie a heel lock before a long descent and your toes will thank you at the bottom. "
        "Which knot do you swear by?",
        campaign="trail-tips",
    ),
    DemoPost(
        -1,
        "08:00",
        Status.PUBLISHED,
        "Repair, don't replace: bring any Larchmere jacket to our Saturday repair bench and we will patch it "
        "for free. The tea is on us.",
        campaign="repair-bench",
    ),
    DemoPost(
        -1,
        "19:00",
        Status.MISSED,
        "Golden hour at the lake, one flask of cocoa, zero notifications. Tag us in your evening walks this week.",
        campaign="trail-tips",
        reason=MISSED_REASON,
    ),
    DemoPost(
        1,
        "09:00",
        Status.SCHEDULED,
        "New in: the Tarn merino base layer. Soft enough for the sofa, warm enough for a 5 a.m. summit start. "
        "Sizes XS to 3XL.",
        campaign="tarn-merino",
    ),
    DemoPost(
        1,
        "18:00",
        Status.SCHEDULED,
        "Nowość: warstwa bazowa Tarn z wełny merino. Miękka jak sweter, ciepła na poranne wyjście w góry. "
        "Rozmiary od XS do 3XL.",
        language="pl",
        zone="Europe/Warsaw",
        campaign="tarn-merino",
    ),
    DemoPost(
        2,
        "09:00",
        Status.PAUSED,
        "We left the new rain shell under a garden sprinkler for six hours. Dry as a biscuit inside. "
        "Watch the whole soggy experiment at the link.",
        campaign="spring-launch",
        reason=PAUSE_REASON,
    ),
    DemoPost(
        2,
        "12:00",
        Status.SCHEDULED,
        "وصلت مجموعتنا الجديدة لرحلات الصحراء: قمصان خفيفة تحمي من الشمس وتجفّ بسرعة. "
        "متوفرة الآن في متاجرنا وعلى موقعنا الإلكتروني.",
        language="ar",
        zone="Asia/Dubai",
        campaign="desert-range",
    ),
    DemoPost(
        3,
        "09:00",
        Status.IN_REVIEW,
        "Election day! Whichever party gets your vote, flat whites are on us until the polls close.",
        campaign="community",
    ),
    DemoPost(
        3,
        "16:00",
        Status.SCHEDULED,
        "Dry and bright this weekend. Our staff picks for a first overnight hike are on the blog: a tent that "
        "pitches in four minutes, a stove the size of a mug, and socks. Good socks.",
        campaign="trail-tips",
    ),
    DemoPost(
        4,
        "10:00",
        Status.SCHEDULED,
        "Weekendowy wypad w Tatry? Zajrzyj na naszą listę rzeczy na jednodniową wycieczkę: "
        "od czołówki po zapasowe skarpety.",
        language="pl",
        zone="Europe/Warsaw",
        campaign="trail-tips",
    ),
    DemoPost(
        5,
        "09:30",
        Status.SCHEDULED,
        "Kids' rain suits are back in stock in every size. Puddles, consider yourselves warned.",
        campaign="kids",
    ),
    DemoPost(
        6,
        "19:00",
        Status.SCHEDULED,
        "Tonight at 7 in our Keswick shop: a free evening on planning your first multi-day walk, "
        "with route maps and hot drinks.",
        campaign="events",
    ),
    DemoPost(
        7,
        "11:00",
        Status.SCHEDULED,
        "Members' week starts today: 15% off everything for Larchmere Trail Club members, plus free hemming "
        "on walking trousers.",
        campaign="members-week",
    ),
    DemoPost(
        8,
        "10:00",
        Status.DRAFT,
        "Autumn colours for the Ridge shell: moss, rust or slate? Tell us which one we should make.",
        campaign="autumn-preview",
    ),
    DemoPost(
        9,
        "08:30",
        Status.SCHEDULED,
        "Tydzień klubowy trwa! Członkowie Larchmere Trail Club mają 15% rabatu na wszystko "
        "i darmowe skracanie nogawek.",
        language="pl",
        zone="Europe/Warsaw",
        campaign="members-week",
    ),
    DemoPost(
        10,
        "12:00",
        Status.CANCELLED,
        "Fleece weekend: 30% off every fleece, Saturday and Sunday only.",
        campaign="fleece-friday",
    ),
    DemoPost(
        11,
        "13:00",
        Status.SCHEDULED,
        "This year we planted 4,200 trees with the Alder Valley trust, one for every pair of boots resoled "
        "in our workshop. Thank you for keeping your kit going.",
        campaign="repair-bench",
    ),
    DemoPost(
        13,
        "17:30",
        Status.SCHEDULED,
        "Sneak peek: the Kestrel 38 L pack lands next month. Adjustable back, rain cover in the lid and a "
        "hip-belt pocket that fits a phone. Sign up to hear first.",
        campaign="kestrel-pack",
    ),
]


class Command(BaseCommand):
    help = (
        "Load demo data for the embedded run (channels, users with the three roles, about 20 posts). "
        "Idempotent. The passwords are demo-only: never run this against a database others can reach."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        ensure_global_kill_switch()
        outbox, channels_made = self.channels()
        users, users_made = self.users()
        posts_made = sum(
            self.post(demo, author=users["maria"], reviewer=users["rita"], outbox=outbox) for demo in POSTS
        )
        self.stdout.write(
            f"demo data: created {channels_made} channels, {users_made} users, {posts_made} posts "
            f"({len(POSTS) - posts_made} posts were already there)"
        )
        logins = ", ".join(f"{name}/{demo_password(name)}" for name in [SUPERUSER, *ROLE_USERS])
        self.stdout.write(f"demo-only logins, never use them outside a local demo: {logins}")

    def channels(self) -> tuple[Channel, int]:
        # team-chat is disabled so the demo sends nothing over the network.
        outbox, outbox_made = Channel.objects.get_or_create(
            slug=OUTBOX, defaults={"name": "Demo outbox", "kind": Channel.Kind.FILE, "settings": {}}
        )
        _, chat_made = Channel.objects.get_or_create(
            slug=TEAM_CHAT,
            defaults={
                "name": "Team chat",
                "kind": Channel.Kind.WEBHOOK,
                "settings": {"url": "http://127.0.0.1:8765/hook"},
                "enabled": False,
            },
        )
        return outbox, outbox_made + chat_made

    def users(self) -> tuple[dict, int]:
        user_model = get_user_model()
        made = 0
        if not user_model.objects.filter(username=SUPERUSER).exists():
            user_model.objects.create_superuser(SUPERUSER, f"{SUPERUSER}@example.test", demo_password(SUPERUSER))
            made += 1
        users = {}
        for username, role in ROLE_USERS.items():
            group = Group.objects.filter(name=role).first()
            if group is None:
                raise CommandError(f"the role {role!r} is missing: run `manage.py migrate` first")
            user = user_model.objects.filter(username=username).first()
            if user is None:
                user = user_model.objects.create_user(
                    username, f"{username}@example.test", demo_password(username), is_staff=True
                )
                made += 1
            user.groups.add(group)
            users[username] = user_model.objects.get(pk=user.pk)  # fresh permission cache
        return users, made

    def post(self, demo: DemoPost, *, author, reviewer, outbox: Channel) -> bool:
        """Create one demo post unless its text is already there. Returns whether it was created."""
        if Post.objects.filter(author=author, text=demo.text).exists():
            return False
        slot = demo_slot(demo)
        if demo.status in (Status.PUBLISHED, Status.MISSED):
            already_happened(demo, slot=slot, author=author, outbox=outbox)
            return True
        post = services.create_post(
            author=author,
            text=demo.text,
            scheduled_at=slot,
            channels=[outbox],
            timezone_name=demo.zone,
            language=demo.language,
            campaign=demo.campaign,
        )
        if demo.status == Status.DRAFT:
            return True
        if demo.status == Status.IN_REVIEW and post.verdict == Post.Verdict.PASS:
            raise CommandError(f"demo post meant for review passed the pre-flight check: {demo.text!r}")
        post = services.schedule_post(post=post, by=author)
        if demo.status == Status.PAUSED:
            services.pause_post(post=post, by=reviewer, reason=demo.reason)
        elif demo.status == Status.CANCELLED:
            services.cancel_post(post=post, by=author)
        return True


def demo_slot(demo: DemoPost) -> datetime:
    zone = zoneinfo.ZoneInfo(demo.zone)
    day = timezone.now().astimezone(zone).date() + timedelta(days=demo.day)
    return datetime.combine(day, time.fromisoformat(demo.at), tzinfo=zone)


def already_happened(demo: DemoPost, *, slot: datetime, author, outbox: Channel) -> Post:
    """Past posts: no service says "this went out yesterday", so they are written as the publisher left them."""
    post = Post.objects.create(
        author=author,
        text=demo.text,
        scheduled_at=slot,
        timezone=demo.zone,
        language=demo.language,
        campaign=demo.campaign,
        status=demo.status,
        status_reason=demo.reason,
        created_at=slot - timedelta(days=2),
    )
    delivery = Delivery(post=post, channel=outbox)
    if demo.status == Status.PUBLISHED:
        delivery.state = Delivery.State.SENT
        delivery.attempts = 1
        delivery.claimed_at = slot
        delivery.claimed_by = "demo"
        delivery.sent_at = slot + timedelta(seconds=1)
        delivery.external_id = str(delivery.idempotency_key)
    else:
        delivery.state = Delivery.State.MISSED
        delivery.last_error = demo.reason
    delivery.save()
    return post
