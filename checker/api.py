"""POST /api/check: the pre-flight check over JSON, for tools that draft posts elsewhere."""

from datetime import datetime

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guard.api import json_object, token_user

MAX_DRAFTS = 500
MAX_CHARS = 20_000


@csrf_exempt
@require_POST
def check(request: HttpRequest) -> JsonResponse:
    """Body: {"text": "..."} or {"texts": [...]}, optional "lang", "at" (ISO 8601), "channel".

    Answers the same JSON as `manage.py preflight --format json`: one report, or {"reports": [...]}.
    """
    from checker.services import (
        UnsupportedLanguage,
        check_texts,
    )  # the spaCy stack loads on first use, not at URL import

    if token_user(request) is None:
        return JsonResponse({"error": "authentication required: send 'Authorization: Bearer <token>'"}, status=401)
    body = json_object(request)
    if isinstance(body, JsonResponse):
        return body
    single = "text" in body
    texts = [body["text"]] if single else body.get("texts")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        return JsonResponse({"error": "send 'text' (a string) or 'texts' (a list of strings)"}, status=400)
    if len(texts) > MAX_DRAFTS or any(len(t) > MAX_CHARS for t in texts):
        return JsonResponse({"error": f"at most {MAX_DRAFTS} drafts of {MAX_CHARS} characters each"}, status=413)
    scheduled_at = None
    if body.get("at"):
        try:
            scheduled_at = datetime.fromisoformat(str(body["at"]))
        except ValueError:
            return JsonResponse({"error": "'at' is not an ISO 8601 time"}, status=400)
        if scheduled_at.tzinfo is None:
            return JsonResponse({"error": "'at' needs a UTC offset (+02:00, or Z)"}, status=400)
    try:
        reports = check_texts(texts, scheduled_at=scheduled_at, channel=body.get("channel"), lang=body.get("lang"))
    except UnsupportedLanguage as error:
        return JsonResponse({"error": str(error)}, status=400)
    if single:
        return JsonResponse(reports[0].as_dict())
    return JsonResponse({"reports": [report.as_dict() for report in reports]})
