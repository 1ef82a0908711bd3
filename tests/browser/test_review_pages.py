"""A reviewer works through the review queue in a real browser."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from scheduler.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.browser

BLOCK_RED = "rgb(254, 202, 202)"
REVIEW_AMBER = "rgb(253, 230, 138)"
DRAFT = "Killer deal! Our fire sale is to die for.\nIn stores and online from 9am."


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:index')}")


def span(phrase: str, severity: str, category: str, message: str, suggestion: str, **extra) -> dict:
    start = DRAFT.index(phrase)
    return {
        "rule": f"idiom.{category}",
        "category": category,
        "severity": severity,
        "start": start,
        "end": start + len(phrase),
        "message": message,
        "suggestion": suggestion,
        **extra,
    }


def test_a_reviewer_overrides_a_blocked_post_from_the_review_queue(
    live_server, page: Page, marketer, reviewer, outbox_channel
):
    blocked = make_post(
        author=marketer,
        channels=[outbox_channel],
        text=DRAFT,
        status=Post.Status.IN_REVIEW,
        scheduled_at=timezone.now() + timedelta(days=1),
        verdict=Post.Verdict.BLOCK,
        risk_score=0.87,
        findings=[
            span(
                "Killer deal",
                "block",
                "violence",
                "A violent idiom while a shooting is in the news.",
                "Unbeatable deal",
                iab="Death, Injury or Military Conflict",
                iab_risk="high",
            ),
            span("fire sale", "review", "disaster", "Reads as a disaster during wildfire season.", "clearance sale"),
            span("to die for", "note", "death", "A death idiom: fine on a quiet day.", "irresistible"),
        ],
    )
    log_in(page, live_server, "rita")

    page.get_by_role("navigation", name="Postguard").get_by_role("link", name="Review queue (1)").click()
    expect(page.locator("#content h1")).to_have_text("Review queue: oldest first")
    page.get_by_role("link", name=re.compile("^Killer deal!")).click()

    expect(page).to_have_url(re.compile(rf"/admin/scheduler/post/{blocked.pk}/change/(\?|$)"))
    killer = page.locator("mark.pg-sev-block")
    expect(killer).to_have_text("Killer deal")
    assert killer.evaluate("element => getComputedStyle(element).backgroundColor") == BLOCK_RED
    fire = page.locator("mark.pg-sev-review")
    assert fire.evaluate("element => getComputedStyle(element).backgroundColor") == REVIEW_AMBER
    expect(page.locator("#pg-finding-1")).to_contain_text("Try: Unbeatable deal")
    page.screenshot(path="/tmp/findings.png", full_page=True)

    page.get_by_role("button", name="Approve…").click()
    expect(page.locator("article.pg-review-item mark.pg-sev-block")).to_have_text("Killer deal")
    page.get_by_label("Override reason").fill("The Killer Deal is our product line's name; legal cleared it")
    page.get_by_role("button", name="Approve", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("approved over the checker's block")
    page.goto(f"{live_server.url}{reverse('admin:scheduler_post_change', args=[blocked.pk])}")
    expect(page.locator(".field-status_badge .pg-status")).to_have_text("Approved / scheduled")
    expect(page.get_by_role("button", name="Approve…")).to_have_count(0)
