"""POST /api/check: the same gate over JSON, behind a token."""

import json

import pytest

from guard.services import create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(marketer):
    return create_api_token(user=marketer, name="drafting tool")[1]


def post_json(client, body, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/check", data=raw if raw is not None else json.dumps(body), content_type="application/json", **headers
    )


def test_a_draft_is_checked_and_answered_like_the_cli(client, token):
    response = post_json(client, {"text": "Never forget 9/11: 11% off sneakers today", "lang": "en"}, token)
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "block"
    assert body["findings"][0]["category"] in ("tragedy", "newsjacking")


def test_several_drafts_at_once(client, token):
    response = post_json(client, {"texts": ["Open late on Thursday", "Election day! Vote for change"]}, token)
    verdicts = [report["verdict"] for report in response.json()["reports"]]
    assert verdicts[0] == "pass"
    assert verdicts[1] != "pass"


@pytest.mark.parametrize(
    ("body", "raw", "status"),
    [
        (None, "{not json", 400),
        ({"texts": "not a list"}, None, 400),
        ({"text": "hi", "lang": "xx"}, None, 400),
        ({"text": "hi", "at": "2027-09-11T10:00:00"}, None, 400),
        ({"text": "x" * 20_001}, None, 413),
    ],
)
def test_bad_requests_get_a_clear_error(client, token, body, raw, status):
    response = post_json(client, body, token, raw=raw)
    assert response.status_code == status
    assert response.json()["error"]


def test_without_a_token_nothing_is_checked(client):
    assert post_json(client, {"text": "hello"}).status_code == 401
