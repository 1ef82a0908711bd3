"""Engage and release pages inside the admin: a scope, a required reason and an explicit confirmation.

Halting or resuming every channel is the one click in this product that must
never happen by accident, so each takes a GET that shows the form and a POST
that acts, and the write goes through `guard.services` like the CLI and API do.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from guard import selectors, services
from guard.models import KillSwitch
from scheduler.models import Channel

ALL_CHANNELS = "all"


class KillSwitchForm(forms.Form):
    scope = forms.ChoiceField(widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required. Goes to the audit log and the banner everyone sees.",
    )
    confirm = forms.BooleanField()
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, scopes: list[tuple[str, str]], confirm_label: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
        self.fields["confirm"].label = confirm_label

    def channel(self) -> Channel | None:
        scope = self.cleaned_data["scope"]
        return None if scope == ALL_CHANNELS else Channel.objects.get(pk=int(scope))


@dataclass(frozen=True)
class _Step:
    """What differs between engaging and releasing; the page and its checks are shared."""

    permission: str
    title: str
    intro: str
    confirm_label: str
    submit: str
    engage: bool


ENGAGE = _Step(
    permission="guard.engage_killswitch",
    title="Halt publishing",
    intro="Nothing in scope is sent until a crisis lead releases the halt. Posts stay on the calendar.",
    confirm_label="I understand this stops every send in scope until a crisis lead releases it.",
    submit="Halt publishing",
    engage=True,
)
RELEASE = _Step(
    permission="guard.release_killswitch",
    title="Release the halt",
    intro=(
        "Channels in scope send again. What fell due during the halt goes out only if its slot is within "
        "the grace window; older posts go to the missed list for a person to give them a new slot."
    ),
    confirm_label=(
        "I understand this resumes every send in scope; posts whose slot passed while halted go to the missed list."
    ),
    submit="Release and resume publishing",
    engage=False,
)


def _engage_scopes() -> list[tuple[str, str]]:
    channels = [(str(channel.pk), f"Channel {channel.slug} ({channel.name})") for channel in Channel.objects.all()]
    return [(ALL_CHANNELS, "All channels"), *channels]


def _release_scopes() -> list[tuple[str, str]]:
    return [
        (ALL_CHANNELS, "All channels")
        if switch.is_global
        else (str(switch.channel_id), f"Channel {switch.channel.slug}")
        for switch in selectors.engaged_switches()
    ]


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


@require_http_methods(["GET", "POST"])
def engage(request: HttpRequest, *, admin_site: AdminSite) -> HttpResponse:
    return _switch_page(request, admin_site=admin_site, step=ENGAGE, scopes=_engage_scopes())


@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, *, admin_site: AdminSite) -> HttpResponse:
    return _switch_page(request, admin_site=admin_site, step=RELEASE, scopes=_release_scopes())


def _switch_page(
    request: HttpRequest, *, admin_site: AdminSite, step: _Step, scopes: list[tuple[str, str]]
) -> HttpResponse:
    if not request.user.has_perm(step.permission):
        raise PermissionDenied
    initial = {"scope": request.GET.get("scope", scopes[0][0] if scopes else ""), "next": request.GET.get("next", "")}
    form_kwargs = {"scopes": scopes, "confirm_label": step.confirm_label}
    if request.method == "POST":
        form = KillSwitchForm(request.POST, **form_kwargs)
        if form.is_valid():
            response = _act(request, form, step)
            if response is not None:
                return response
    else:
        form = KillSwitchForm(initial=initial, **form_kwargs)
    context = {
        **admin_site.each_context(request),
        "title": step.title,
        "step": step,
        "form": form,
        "has_scopes": bool(scopes),
        "switches": selectors.engaged_switches(),
        "opts": KillSwitch._meta,
    }
    return TemplateResponse(request, "admin/guard/killswitch/confirm.html", context)


def _act(request: HttpRequest, form: KillSwitchForm, step: _Step) -> HttpResponse | None:
    """Call the service; a refusal becomes a form error (None), success a redirect with a message."""
    actor = services.Actor.for_user(request.user, via="admin")
    channel = form.channel()
    scope = "all channels" if channel is None else f"channel {channel.slug}"
    reason = form.cleaned_data["reason"]
    try:
        if step.engage:
            services.engage_kill_switch(actor=actor, reason=reason, channel=channel)
        else:
            outcome = services.release_kill_switch(actor=actor, reason=reason, channel=channel)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    if step.engage:
        messages.warning(request, f"Publishing halted for {scope}. Nothing in scope is sent until it is released.")
    else:
        missed_url = reverse("admin:scheduler_post_changelist") + "?attention=missed"
        messages.success(
            request,
            format_html(
                "Released {}. {} deliveries were held back during the halt; {} went to the "
                '<a href="{}">missed list</a> and need a new slot.',
                scope,
                outcome.held_back,
                outcome.missed,
                missed_url,
            ),
        )
    return HttpResponseRedirect(_safe_next(request, form.cleaned_data.get("next", "")))
