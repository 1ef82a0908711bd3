"""JSON API for the crisis lead: kill-switch status, engage and release, by bearer token."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from guard import selectors, services
from scheduler.models import Channel


def token_user(request: HttpRequest):
    """The user a bearer token acts as, or None: shared by every JSON endpoint."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    token = services.authenticate_api_key(key.strip())
    return token.user if token else None


def json_object(request: HttpRequest) -> dict | JsonResponse:
    """The request's body as a JSON object, or the 400 answer that says why it is not one."""
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)
    return body


def switch_as_dict(switch) -> dict:
    return {
        "scope": "all" if switch.is_global else switch.channel.slug,
        "engaged": switch.engaged,
        "reason": switch.reason,
        "changed_by": switch.changed_by,
        "changed_at": switch.changed_at.isoformat() if switch.changed_at else None,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kill_switch(request: HttpRequest) -> JsonResponse:
    user = token_user(request)
    if user is None:
        return JsonResponse({"error": "authentication required: send 'Authorization: Bearer <token>'"}, status=401)
    if request.method == "GET":
        services.ensure_global_kill_switch()
        halt = selectors.halt_state()
        return JsonResponse(
            {
                "all_halted": halt.all_halted,
                "engaged": [switch_as_dict(s) for s in selectors.engaged_switches()],
            }
        )
    body = json_object(request)
    if isinstance(body, JsonResponse):
        return body
    action = body.get("action")
    if action not in ("engage", "release"):
        return JsonResponse({"error": "action must be 'engage' or 'release'"}, status=400)
    channel = None
    if body.get("channel"):
        channel = Channel.objects.filter(slug=body["channel"]).first()
        if channel is None:
            return JsonResponse({"error": f"no channel {body['channel']!r}"}, status=404)
    actor = services.Actor(user=user, label=f"api:{user.get_username()}", via="api")
    try:
        if action == "engage":
            switch = services.engage_kill_switch(actor=actor, reason=str(body.get("reason", "")), channel=channel)
            return JsonResponse({"ok": True, **switch_as_dict(switch)})
        outcome = services.release_kill_switch(actor=actor, reason=str(body.get("reason", "")), channel=channel)
        return JsonResponse(
            {"ok": True, **switch_as_dict(outcome.switch), "held_back": outcome.held_back, "missed": outcome.missed}
        )
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
