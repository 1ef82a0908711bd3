"""Reviewing flagged posts in the admin: the findings on the post page, the review queue, approve and reject."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from checker.models import LexiconOverride
from scheduler import findings_display
from scheduler.models import Post, ReviewDecision
from tests.factories import make_post

CHANGELIST = "admin:scheduler_post_changelist"
MARK = re.compile(r'<mark class="pg-mark pg-sev-(\w+)( pg-overlap)?"[^>]*>(.*?)</mark>', re.S)

DRAFT = "Killer deal! Our fire sale is to die for."


def finding(text: str, phrase: str, severity: str, category: str, **extra) -> dict:
    start = text.index(phrase)
    return {
        "rule": f"test.{category}",
        "category": category,
        "severity": severity,
        "start": start,
        "end": start + len(phrase),
        "message": f"“{phrase}” reads badly ({category}).",
        "suggestion": "",
        **extra,
    }


def idiom_findings(text: str = DRAFT) -> list[dict]:
    return [
        finding(
            text,
            "Killer deal",
            "block",
            "violence",
            suggestion="Unbeatable deal",
            iab="Death, Injury or Military Conflict",
            iab_risk="high",
        ),
        finding(text, "fire sale", "review", "disaster", suggestion="clearance sale"),
        finding(text, "to die for", "note", "death", suggestion="irresistible"),
    ]


@pytest.fixture
def tomorrow():
    return timezone.now() + timedelta(days=1)


@pytest.fixture
def blocked_post(marketer, outbox_channel, tomorrow):
    return make_post(
        author=marketer,
        channels=[outbox_channel],
        text=DRAFT,
        status=Post.Status.IN_REVIEW,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.BLOCK,
        findings=idiom_findings(),
        risk_score=0.91,
    )


def change_page(client, post: Post) -> str:
    response = client.get(reverse("admin:scheduler_post_change", args=[post.pk]))
    assert response.status_code == 200
    return response.content.decode()


def marks(html: str) -> list[tuple[str, str]]:
    return [(severity, content) for severity, _, content in MARK.findall(html)]


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, action: str, posts, **extra):
    data = {"action": action, "_selected_action": [post.pk for post in posts], "index": 0, **extra}
    return client.post(f"{reverse(CHANGELIST)}?attention=review", data)


# --- the post page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_post_page_marks_each_finding_in_its_severity_colour_and_offers_the_suggestion(
    client, reviewer, blocked_post
):
    client.force_login(reviewer)

    html = change_page(client, blocked_post)

    assert marks(html) == [("block", "Killer deal"), ("review", "fire sale"), ("note", "to die for")]
    assert '<span class="pg-verdict pg-verdict-block">Blocked</span>' in html
    assert "Risk score 0.91" in html
    assert "Try: Unbeatable deal" in html
    assert "Try: clearance sale" in html
    assert "Try: irresistible" in html
    assert "IAB: Death, Injury or Military Conflict · high risk" in html
    severities = re.findall(r'<li class="pg-finding"[^>]*data-severity="(\w+)"', html)
    assert severities == ["block", "review", "note"]


@pytest.mark.django_db
def test_markup_in_a_draft_and_in_a_message_is_shown_as_text(client, reviewer, marketer, outbox_channel, tomorrow):
    text = 'Flash sale <script>alert("gotcha")</script> ends tonight'
    flagged = finding(text, '<script>alert("gotcha")</script>', "review", "misreading")
    flagged["message"] = "Looks like <b>markup</b>"
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        text=text,
        status=Post.Status.IN_REVIEW,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.REVIEW,
        findings=[flagged],
    )
    client.force_login(reviewer)

    html = change_page(client, post)

    assert "<script>alert" not in html
    assert "<b>markup</b>" not in html
    assert marks(html) == [("review", "&lt;script&gt;alert(&quot;gotcha&quot;)&lt;/script&gt;")]
    assert "Looks like &lt;b&gt;markup&lt;/b&gt;" in html


@pytest.mark.django_db
def test_overlapping_findings_are_cut_so_each_piece_shows_the_worst_severity_over_it(
    client, reviewer, marketer, outbox_channel, tomorrow
):
    text = "Our fire sale today only"
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        text=text,
        status=Post.Status.IN_REVIEW,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.BLOCK,
        findings=[finding(text, "fire sale", "review", "disaster"), finding(text, "sale today", "block", "tragedy")],
    )
    client.force_login(reviewer)

    html = change_page(client, post)

    assert MARK.findall(html) == [("review", "", "fire "), ("block", " pg-overlap", "sale"), ("block", "", " today")]
    assert "Our " in html.split('<div class="pg-draft"', 1)[1].split("<mark", 1)[0]


@pytest.mark.django_db
def test_a_clean_post_shows_a_single_pass_line(client, marketer, outbox_channel, tomorrow):
    post = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.DRAFT, scheduled_at=tomorrow)
    client.force_login(marketer)

    html = change_page(client, post)

    assert "Pre-flight: pass" in html
    assert 'class="pg-preflight-head"' not in html
    assert "<mark" not in html


@pytest.mark.django_db
def test_saving_the_form_rechecks_the_draft_and_the_page_shows_what_the_check_stored(
    client, marketer, outbox_channel, tomorrow
):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        status=Post.Status.DRAFT,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.BLOCK,
        findings=idiom_findings(),
    )
    client.force_login(marketer)

    response = client.post(
        reverse("admin:scheduler_post_change", args=[post.pk]),
        {
            "text": "Our autumn range arrives on Friday.",
            "channels": [outbox_channel.pk],
            "scheduled_at_0": f"{tomorrow:%Y-%m-%d}",
            "scheduled_at_1": f"{tomorrow:%H:%M}",
            "timezone": "UTC",
            "language": "en",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.checked_at is not None
    assert post.findings != idiom_findings()
    html = change_page(client, post)
    assert "Killer deal" not in html
    assert str(findings_display.highlight(post.text, post.findings)) in html
    for stored in post.findings:
        assert escape(stored["message"]) in html


@pytest.mark.django_db
def test_a_form_shown_again_with_errors_marks_the_saved_text_not_the_typed_one(
    client, marketer, outbox_channel, tomorrow
):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        text=DRAFT,
        status=Post.Status.DRAFT,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.BLOCK,
        findings=idiom_findings(),
    )
    client.force_login(marketer)

    response = client.post(
        reverse("admin:scheduler_post_change", args=[post.pk]),
        {"text": "A completely different and much longer draft", "channels": [], "timezone": "UTC"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert marks(response.content.decode()) == [
        ("block", "Killer deal"),
        ("review", "fire sale"),
        ("note", "to die for"),
    ]


# --- the review queue ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_queue_lists_posts_waiting_for_review_oldest_first(
    client, reviewer, marketer, other_marketer, outbox_channel, tomorrow
):
    def waiting(author, text: str, hours: int, verdict: str, findings: list[dict]) -> Post:
        post = make_post(
            author=author,
            channels=[outbox_channel],
            text=text,
            status=Post.Status.IN_REVIEW,
            scheduled_at=tomorrow,
            verdict=verdict,
            findings=findings,
        )
        Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timedelta(hours=hours))
        return post

    newer = waiting(marketer, "Fire sale this weekend", 1, Post.Verdict.REVIEW, [])
    older = waiting(other_marketer, DRAFT, 5, Post.Verdict.BLOCK, idiom_findings())
    make_post(author=marketer, channels=[outbox_channel], text="Already approved", scheduled_at=tomorrow)
    make_post(author=marketer, channels=[outbox_channel], text="Still a draft", status=Post.Status.DRAFT)
    client.force_login(reviewer)

    response = client.get(reverse(CHANGELIST), {"attention": "review"})

    assert [post.pk for post in response.context["cl"].result_list] == [older.pk, newer.pk]
    html = response.content.decode()
    assert "Already approved" not in html
    assert "Still a draft" not in html
    assert '<span class="pg-verdict pg-verdict-block">Blocked</span>' in html
    assert "“Killer deal” reads badly (violence)." in html  # the worst finding, not the first listed
    assert "mallory" in html
    assert re.search(r'<a href="[^"]*\?attention=review" id="pg-review-queue-link">Review queue \(2\)</a>', html)


@pytest.mark.django_db
def test_only_people_who_review_see_the_review_queue_link(client, marketer, crisis_lead, admin_user):
    for person, sees_it in [(marketer, False), (crisis_lead, False), (admin_user, True)]:
        client.force_login(person)
        html = client.get(reverse("admin:index")).content.decode()
        assert ("Review queue (0)" in html) is sees_it, person.username


# --- approving and rejecting ----------------------------------------------------------------


@pytest.mark.django_db
def test_approving_a_blocked_post_asks_for_an_override_reason_and_records_the_override(client, reviewer, blocked_post):
    client.force_login(reviewer)

    page = run_action(client, "approve_posts", [blocked_post])
    assert page.status_code == 200
    assert set(page.context["form"].fields) == {"override_reason", "note"}
    assert marks(page.content.decode())[0] == ("block", "Killer deal")

    refused = run_action(client, "approve_posts", [blocked_post], post="yes", override_reason="  ")
    assert any("write why it may go out anyway to override" in text for text in texts(refused))
    blocked_post.refresh_from_db()
    assert blocked_post.status == Post.Status.IN_REVIEW
    assert not ReviewDecision.objects.exists()

    run_action(
        client,
        "approve_posts",
        [blocked_post],
        post="yes",
        override_reason="Product name: the Killer Deal range, cleared with legal",
    )

    blocked_post.refresh_from_db()
    assert blocked_post.status == Post.Status.SCHEDULED
    decision = ReviewDecision.objects.get(post=blocked_post)
    assert decision.decision == ReviewDecision.Decision.OVERRIDDEN
    assert decision.reviewer == reviewer
    assert decision.verdict_seen == Post.Verdict.BLOCK
    assert decision.note == "Product name: the Killer Deal range, cleared with legal"
    assert decision.findings_seen == idiom_findings()


@pytest.mark.django_db
def test_approving_a_post_that_needs_review_takes_an_optional_note(
    client, reviewer, marketer, outbox_channel, tomorrow
):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        text="Our fire sale starts now",
        status=Post.Status.IN_REVIEW,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.REVIEW,
        findings=[finding("Our fire sale starts now", "fire sale", "review", "disaster")],
    )
    client.force_login(reviewer)

    page = run_action(client, "approve_posts", [post])
    assert set(page.context["form"].fields) == {"note"}

    run_action(client, "approve_posts", [post], post="yes", note="")

    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert ReviewDecision.objects.get(post=post).decision == ReviewDecision.Decision.APPROVED


@pytest.mark.django_db
def test_a_reviewer_cannot_approve_a_blocked_post_they_wrote(client, reviewer, outbox_channel, tomorrow):
    own = make_post(
        author=reviewer,
        channels=[outbox_channel],
        text=DRAFT,
        status=Post.Status.IN_REVIEW,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.BLOCK,
        findings=idiom_findings(),
    )
    client.force_login(reviewer)

    response = run_action(client, "approve_posts", [own], post="yes", override_reason="I am sure it is fine")

    assert any("A post needs a reviewer other than its author." in text for text in texts(response))
    own.refresh_from_db()
    assert own.status == Post.Status.IN_REVIEW
    assert not ReviewDecision.objects.exists()


@pytest.mark.django_db
def test_rejecting_needs_a_note_and_records_the_decision(client, reviewer, blocked_post):
    client.force_login(reviewer)

    without_note = run_action(client, "reject_posts", [blocked_post], post="yes", reason="")
    assert without_note.status_code == 200
    assert without_note.context["form"].errors["reason"]
    assert not ReviewDecision.objects.exists()

    run_action(client, "reject_posts", [blocked_post], post="yes", reason="Reword the opener: no violent idioms")

    blocked_post.refresh_from_db()
    assert blocked_post.status == Post.Status.REJECTED
    decision = ReviewDecision.objects.get(post=blocked_post)
    assert decision.decision == ReviewDecision.Decision.REJECTED
    assert decision.note == "Reword the opener: no violent idioms"


@pytest.mark.django_db
def test_the_buttons_on_the_post_page_lead_to_the_approve_page_and_the_decision_stays_on_the_post(
    client, reviewer, marketer, blocked_post
):
    client.force_login(marketer)
    assert 'id="pg-approve-form"' not in change_page(client, blocked_post)

    client.force_login(reviewer)
    html = change_page(client, blocked_post)
    form = re.search(r'<form method="post" action="([^"]+)" id="pg-approve-form" hidden>(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    assert fields["action"] == "approve_posts"
    assert fields["_selected_action"] == str(blocked_post.pk)
    page = client.post(form.group(1).replace("&amp;", "&"), fields)
    assert page.status_code == 200
    assert "override_reason" in page.context["form"].fields

    client.post(form.group(1), {**fields, "post": "yes", "override_reason": "Brand name, cleared by legal"})

    html = change_page(client, blocked_post)
    decisions = html.split('id="review_decisions-group"', 1)[1].split("</fieldset>", 1)[0]
    assert "rita" in decisions
    assert "Approved over a block" in decisions
    assert "Blocked" in decisions
    assert "Brand name, cleared by legal" in decisions
    assert "Add another" not in decisions
    assert 'id="pg-approve-form"' not in html  # scheduled now: nothing left to approve


# --- lexicon overrides ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_crisis_lead_adds_a_lexicon_override_and_is_recorded_as_its_creator(client, crisis_lead, marketer):
    add_url = reverse("admin:checker_lexiconoverride_add")
    entry = {
        "term": "  Fire   Sale ",
        "language": "en",
        "action": "add",
        "category": "",
        "severity": "block",
        "message": "Wildfires are in the news this season.",
        "suggestion": "clearance sale",
        "note": "Wildfire season",
    }
    client.force_login(marketer)
    assert client.get(add_url).status_code == 403

    client.force_login(crisis_lead)
    missing_category = client.post(add_url, entry)
    assert missing_category.status_code == 200
    assert missing_category.context["adminform"].form.errors["category"] == ["An added term needs a category."]

    saved = client.post(add_url, {**entry, "category": "disaster"})

    assert saved.status_code == 302
    override = LexiconOverride.objects.get()
    assert override.term == "fire sale"
    assert override.created_by == crisis_lead
    duplicate = client.post(add_url, {**entry, "term": "FIRE sale", "category": "disaster"})
    assert duplicate.status_code == 200
    assert LexiconOverride.objects.count() == 1
    listing = client.get(reverse("admin:checker_lexiconoverride_changelist")).content.decode()
    assert "carlos" in listing
