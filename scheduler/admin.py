"""The content calendar in the admin: thin classes that hand every change to `scheduler.services`.

The services decide who may do what and when; this module only turns their
refusals into form errors and messages, and draws the calendar and the review
pages (the findings themselves are drawn by `scheduler.findings_display`).
"""

import calendar as month_calendar
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince

from scheduler import findings_display, selectors, services
from scheduler.models import Channel, Delivery, Post

Status = Post.Status

# Resuming is offered a new slot only for these; the service still decides.
RESUMABLE_STATUSES = {Status.PAUSED, Status.MISSED}


# --- time zones -------------------------------------------------------------


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(_zone_names())]


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone, or None for anything that is not an IANA name (including path tricks)."""
    if not name or name not in _zone_names():
        return None
    return zoneinfo.ZoneInfo(name)


def wall_time_in(value: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The clock reading the person typed (parsed in the active zone), read again in `zone`.

    The post's zone is chosen on the same form as its slot, so the slot must be
    read in the zone the form says, whatever zone the page was rendered in.
    """
    naive = timezone.make_naive(value)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip it).")
    return aware


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do that."


# --- forms --------------------------------------------------------------------


class PostForm(forms.ModelForm):
    """The post with its channels; the slot is read in the post's own time zone."""

    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="One delivery per channel.",
    )
    timezone = forms.ChoiceField(
        choices=timezone_choices, help_text="The slot above is entered and shown in this time zone."
    )
    # Set by PostAdmin when a service refused the save: shown as form errors on a re-render.
    service_error: Exception | None = None

    class Meta:
        model = Post
        fields = ["text", "scheduled_at", "timezone", "language", "campaign", "tags"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        attached = list(self.instance.deliveries.values_list("channel_id", flat=True)) if self.instance.pk else []
        self.fields["channels"].queryset = Channel.objects.filter(Q(enabled=True) | Q(pk__in=attached))
        if attached:
            self.initial.setdefault("channels", attached)
        if "scheduled_at" in self.fields:  # absent when the page is read-only
            self.fields["scheduled_at"].help_text = "In the post's time zone (below)."

    def clean(self) -> dict:
        cleaned = super().clean()
        slot, zone = cleaned.get("scheduled_at"), zone_named(cleaned.get("timezone", ""))
        if slot is not None and zone is not None:
            try:
                cleaned["scheduled_at"] = wall_time_in(slot, zone)
            except ValidationError as error:
                self.add_error("scheduled_at", error)
        if self.service_error is not None:
            self._add_service_error(self.service_error)
        return cleaned

    def _add_service_error(self, error: Exception) -> None:
        if not isinstance(error, ValidationError):
            self.add_error(None, _refusal(error))
            return
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            if name in self.fields:
                self.add_error(name, errors)
            elif name == NON_FIELD_ERRORS:
                self.add_error(None, errors)
            else:
                self.add_error(None, [f"{name}: {message}" for message in ValidationError(errors).messages])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=500,
        help_text="Required. Kept with the post and shown to whoever picks it up next.",
    )


class ApproveForm(forms.Form):
    """A note for flagged posts; a blocked post also needs an override reason, which the service insists on."""

    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "required": True}),
        max_length=500,
        required=False,  # the service refuses a blocked post without one, with its own message
        help_text="Required: the checker blocked a post here. Say why it may go out anyway; it is kept on record.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        max_length=500,
        required=False,
        help_text="Optional. Kept with your decision.",
    )

    def __init__(self, *args, blocked: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not blocked:
            del self.fields["override_reason"]


class NewSlotForm(forms.Form):
    new_slot = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text="Given to the posts whose slot passed; the others keep theirs.",
    )
    timezone = forms.ChoiceField(choices=timezone_choices, help_text="The zone the new slot is entered in.")

    def clean(self) -> dict:
        cleaned = super().clean()
        slot, zone = cleaned.get("new_slot"), zone_named(cleaned.get("timezone", ""))
        if slot is not None and zone is not None:
            try:
                cleaned["new_slot"] = wall_time_in(slot, zone)
            except ValidationError as error:
                self.add_error("new_slot", error)
        return cleaned


class _ServiceRefused(Exception):
    """Raised out of save_model so the admin's transaction rolls back and the form is shown again."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


# --- list filters -------------------------------------------------------------


class AttentionFilter(admin.SimpleListFilter):
    """Shortcuts to what a person has to act on."""

    title = "needs attention"
    parameter_name = "attention"

    REVIEW = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            (self.REVIEW, "Waiting for review"),
            ("missed", "Missed its slot"),
            ("deliveries", "Unknown or failed deliveries"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> QuerySet[Post]:
        if self.value() == self.REVIEW:
            return queryset.filter(pk__in=selectors.review_queue().values("pk"))
        if self.value() == "missed":
            return queryset.filter(pk__in=selectors.missed_posts().values("pk"))
        if self.value() == "deliveries":
            return queryset.filter(pk__in=selectors.deliveries_needing_attention().values("post_id"))
        return queryset


class ReviewQueueChangeList(ChangeList):
    """The queue is sorted by how long a post has waited: mark that column, not the model's default (the slot).

    Django marks sorted columns from the static ordering only, not from `get_ordering(request)`.
    """

    def get_ordering_field_columns(self) -> dict[int, str]:
        if ORDER_VAR in self.params:
            return super().get_ordering_field_columns()
        return {index: "asc" for index, name in enumerate(self.list_display) if name == "waiting_since"}


# --- channels -------------------------------------------------------------------


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


# --- posts ------------------------------------------------------------------------


class DeliveryInline(admin.TabularInline):
    """What happened on each channel; written only by the publisher and the settle action."""

    model = Delivery
    fields = ["channel", "state", "attempts", "last_error", "external_id", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        return False


@dataclass
class CalendarChip:
    post: Post
    local: datetime
    url: str
    title: str


@dataclass
class CalendarDay:
    day: date
    in_range: bool
    is_today: bool
    add_url: str
    chips: list[CalendarChip] = field(default_factory=list)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostForm
    inlines = [DeliveryInline]
    list_display = ["short_text", "local_slot", "status_badge", "verdict_badge", "channel_list", "author"]
    review_list_display = ["short_text", "waiting_since", "verdict_badge", "top_finding", "author", "local_slot"]
    list_filter = [AttentionFilter, "status", "deliveries__channel"]
    date_hierarchy = "scheduled_at"
    search_fields = ["text", "campaign", "tags"]
    readonly_fields = ["scheduled_at_utc", "status_badge", "verdict", "status_reason", "author", "updated_at"]
    actions = ["schedule_posts", "approve_posts", "reject_posts", "pause_posts", "resume_posts", "cancel_posts"]
    change_list_template = "admin/scheduler/post/change_list.html"
    calendar_template = "admin/scheduler/post/calendar.html"
    confirmation_template = "admin/scheduler/post/action_confirmation.html"
    review_template = "admin/scheduler/post/review_confirmation.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        queryset = selectors.all_posts_for_listing()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @staticmethod
    def _is_review_queue(request: HttpRequest) -> bool:
        return request.GET.get(AttentionFilter.parameter_name) == AttentionFilter.REVIEW

    def get_ordering(self, request: HttpRequest) -> list[str]:
        """The review queue keeps the selector's order (oldest first); other lists keep the calendar's."""
        if self._is_review_queue(request):
            return list(selectors.review_queue().query.order_by)
        return super().get_ordering(request)

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return self.review_list_display if self._is_review_queue(request) else self.list_display

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ReviewQueueChangeList if self._is_review_queue(request) else super().get_changelist(request, **kwargs)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if self._is_review_queue(request):
            extra_context = {"title": "Review queue: oldest first", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_fieldsets(self, request: HttpRequest, obj: Post | None = None) -> list:
        editable = obj is None or self.has_change_permission(request, obj)
        slot = [("scheduled_at", "scheduled_at_utc"), "timezone"] if editable else [("local_slot", "scheduled_at_utc")]
        fieldsets = [
            (None, {"fields": ["text", "channels"]}),
            ("Slot", {"fields": slot}),
            ("Details", {"fields": ["language", "campaign", "tags"]}),
        ]
        if obj is not None:
            fieldsets.append(
                ("State", {"fields": ["status_badge", "verdict", "status_reason", "author", "updated_at"]})
            )
        return fieldsets

    def get_inlines(self, request: HttpRequest, obj: Post | None) -> list:
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """`?scheduled_at=YYYY-MM-DDTHH:MM&timezone=Zone` (the calendar's add links) prefill the slot."""
        initial = super().get_changeform_initial_data(request)
        zone = zone_named(request.GET.get("timezone", "")) or zoneinfo.ZoneInfo(settings.TIME_ZONE)
        initial["timezone"] = zone.key
        slot = _parse_slot(request.GET.get("scheduled_at", ""))
        if slot is not None:
            initial["scheduled_at"] = slot.replace(tzinfo=zone) if timezone.is_naive(slot) else slot
        else:
            initial.pop("scheduled_at", None)
        return initial

    def get_form(self, request: HttpRequest, obj: Post | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_post_service_error", None)
        if error is None:
            return form
        return type(form.__name__, (form,), {"service_error": error})

    def has_change_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        """A post that has started going out (or ended) is shown read-only; services refuse it anyway."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status in services.EDITABLE_STATUSES)

    def has_delete_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        """Posts are cancelled, never deleted: their deliveries are the record of what went out."""
        return False

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Show and read the slot in the post's own zone; a service refusal re-renders the form with it."""
        with timezone.override(self._form_zone(request, object_id)):
            try:
                response = super().changeform_view(request, object_id, form_url, extra_context)
            except _ServiceRefused as refused:
                request._post_service_error = refused.error
                response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, SimpleTemplateResponse):
                response.render()  # inside the override: the widgets format the slot in the post's zone
        return response

    def _form_zone(self, request: HttpRequest, object_id: str | None) -> zoneinfo.ZoneInfo:
        if object_id is not None:
            post = self.get_object(request, unquote(object_id))
            if post is not None and zone_named(post.timezone):
                return zoneinfo.ZoneInfo(post.timezone)
        return zone_named(request.GET.get("timezone", "")) or zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Post | None = None,
    ) -> HttpResponse:
        """The stored findings above the form, approve/reject buttons for a post waiting for review, and the
        review decisions below it: drawn as a read-only table, not an inline formset, so saving the post never
        expects (or accepts) data for them.
        """
        if obj is not None:
            # A re-shown form carries the typed text on `obj`; the findings belong to the saved text.
            saved = obj if request.method == "GET" else Post.objects.get(pk=obj.pk)
            context["preflight"] = findings_display.preflight(saved)
            if request.user.has_perm("scheduler.view_reviewdecision"):
                context["review_decisions"] = list(saved.review_decisions.select_related("reviewer"))
            if saved.status == Status.IN_REVIEW and self.has_approve_permission(request):
                query = urlencode({AttentionFilter.parameter_name: AttentionFilter.REVIEW})
                context["review_actions_url"] = f"{reverse('admin:scheduler_post_changelist')}?{query}"
                context["review_forms"] = [("approve", "approve_posts"), ("reject", "reject_posts")]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Post, form: PostForm, change: bool) -> None:
        data = form.cleaned_data
        fields = {name: data[name] for name in ("text", "scheduled_at", "language", "campaign", "tags")}
        try:
            if change:
                post = services.update_post(
                    post=obj, by=request.user, channels=data["channels"], timezone=data["timezone"], **fields
                )
            else:
                post = services.create_post(
                    author=request.user, channels=data["channels"], timezone_name=data["timezone"], **fields
                )
        except (ValidationError, PermissionDenied) as error:
            raise _ServiceRefused(error) from error
        obj.pk = post.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: PostForm, formsets: list, change: bool) -> None:
        """Channels were saved by the service as deliveries: never `form.save_m2m()`, which would bypass it."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- list columns ---

    @admin.display(description="post", ordering="text")
    def short_text(self, post: Post) -> str:
        return Truncator(str(post)).chars(60)

    @admin.display(description="slot (local)", ordering="scheduled_at")
    def local_slot(self, post: Post) -> str:
        return f"{post.local_scheduled_at:%Y-%m-%d %H:%M} {post.timezone}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, post: Post) -> str:
        return format_html('<span class="pg-status pg-status-{}">{}</span>', post.status, post.get_status_display())

    @admin.display(description="verdict", ordering="verdict")
    def verdict_badge(self, post: Post) -> str:
        return findings_display.verdict_badge(post)

    @admin.display(description="top finding")
    def top_finding(self, post: Post) -> str:
        return findings_display.top_finding_summary(post)

    @admin.display(description="waiting", ordering="updated_at")
    def waiting_since(self, post: Post) -> str:
        """How long since the post last changed: for a post in review, since it was sent there."""
        since = f"{post.updated_at:%Y-%m-%d %H:%M} UTC"
        return format_html('<span title="since {}">{}</span>', since, timesince(post.updated_at))

    @admin.display(description="channels")
    def channel_list(self, post: Post) -> str:
        return ", ".join(delivery.channel.slug for delivery in post.deliveries.all())

    @admin.display(description="slot in UTC")
    def scheduled_at_utc(self, post: Post) -> str:
        if post.pk is None or post.scheduled_at is None:
            return "shown once saved"
        return f"{post.scheduled_at.astimezone(zoneinfo.ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC"

    # --- action permissions ---

    def has_schedule_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduler.schedule_post")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduler.approve_post")

    def has_pause_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduler.pause_post")

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduler.resume_post")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        """Authors may cancel their own posts; the service refuses anyone else's without cancel_post."""
        return request.user.has_perm("scheduler.cancel_post") or request.user.has_perm("scheduler.change_post")

    # --- actions ---

    @admin.action(description="Schedule selected posts", permissions=["schedule"])
    def schedule_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        def outcome(post: Post) -> str:
            if post.status == Status.IN_REVIEW:
                return f"sent to review (checker verdict: {post.get_verdict_display().lower()})"
            return f"scheduled for {post.local_scheduled_at:%Y-%m-%d %H:%M} {post.timezone}"

        self._apply(request, queryset, lambda post: services.schedule_post(post=post, by=request.user), outcome)

    @admin.action(description="Approve selected posts…", permissions=["approve"])
    def approve_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> HttpResponse | None:
        """Flagged posts are approved from a page that shows their findings; clean ones go straight through."""
        posts = list(queryset)
        flagged = [post for post in posts if post.verdict != Post.Verdict.PASS]
        blocked = any(post.verdict == Post.Verdict.BLOCK for post in posts)
        form = self._confirmation_form(request, ApproveForm, blocked=blocked)
        if (flagged and not form.is_bound) or (form.is_bound and not form.is_valid()):
            return self._confirmation_page(
                request,
                posts,
                form,
                action="approve_posts",
                title="Approve posts over the checker's findings",
                intro=(
                    "Read what the checker found. A blocked post goes out only with your written override reason."
                    if blocked
                    else "Read what the checker found before approving."
                ),
                submit="Approve",
                template=self.review_template,
            )
        cleaned = form.cleaned_data if form.is_bound else {}
        note, reason = cleaned.get("note", ""), cleaned.get("override_reason", "")

        def approve(post: Post) -> Post:
            override = reason if post.verdict == Post.Verdict.BLOCK else ""
            return services.approve_post(post=post, by=request.user, note=note, override_reason=override)

        def outcome(post: Post) -> str:
            slot = f"{post.local_scheduled_at:%Y-%m-%d %H:%M} {post.timezone}"
            if post.verdict == Post.Verdict.BLOCK:
                return f"approved over the checker's block and scheduled for {slot}"
            return f"approved and scheduled for {slot}"

        self._apply(request, posts, approve, outcome)
        return None

    @admin.action(description="Reject selected posts…", permissions=["approve"])
    def reject_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> HttpResponse | None:
        form = self._confirmation_form(request, ReasonForm)
        if form.is_bound and form.is_valid():
            note = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda post: services.reject_post(post=post, by=request.user, note=note),
                lambda post: "rejected; the author sees why",
            )
            return None
        return self._confirmation_page(
            request,
            queryset,
            form,
            action="reject_posts",
            title="Reject posts",
            intro="These posts go back to their authors with your note.",
            submit="Reject",
            template=self.review_template,
        )

    @admin.action(description="Pause selected posts…", permissions=["pause"])
    def pause_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> HttpResponse | None:
        form = self._confirmation_form(request, ReasonForm)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda post: services.pause_post(post=post, by=request.user, reason=reason),
                lambda post: "paused: the publisher skips it until someone resumes it",
            )
            return None
        return self._confirmation_page(
            request,
            queryset,
            form,
            action="pause_posts",
            title="Pause posts",
            intro="Paused posts are not sent until a person resumes them.",
            submit="Pause",
        )

    @admin.action(description="Resume selected posts…", permissions=["resume"])
    def resume_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> HttpResponse | None:
        posts = list(queryset)
        deadline = timezone.now() - services.grace_window()
        stale = {post.pk for post in posts if post.status in RESUMABLE_STATUSES and post.scheduled_at < deadline}
        new_slot = None
        if stale:
            zones = {post.timezone for post in posts if post.pk in stale}
            form = self._confirmation_form(
                request, NewSlotForm, initial={"timezone": zones.pop() if len(zones) == 1 else settings.TIME_ZONE}
            )
            if not (form.is_bound and form.is_valid()):
                return self._confirmation_page(
                    request,
                    [post for post in posts if post.pk in stale],
                    form,
                    action="resume_posts",
                    title="Resume posts: choose a new slot",
                    intro=(
                        f"The slot of these posts passed more than {settings.PUBLISH_GRACE_MINUTES} minutes ago. "
                        "Resuming never sends a backlog: give them a new slot."
                    ),
                    submit="Resume with the new slot",
                    carry=posts,
                )
            new_slot = form.cleaned_data["new_slot"]

        def resume(post: Post) -> Post:
            return services.resume_post(post=post, by=request.user, new_slot=new_slot if post.pk in stale else None)

        self._apply(
            request,
            posts,
            resume,
            lambda post: f"resumed for {post.local_scheduled_at:%Y-%m-%d %H:%M} {post.timezone}",
        )
        return None

    @admin.action(description="Cancel selected posts", permissions=["cancel"])
    def cancel_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._apply(
            request,
            queryset,
            lambda post: services.cancel_post(post=post, by=request.user),
            lambda post: "cancelled: nothing more will be sent",
        )

    def _apply(
        self,
        request: HttpRequest,
        posts: QuerySet[Post] | list[Post],
        step: Callable[[Post], Post],
        outcome: Callable[[Post], str],
    ) -> None:
        """Run one service call per post and say, per post, what happened or why it was refused."""
        for post in posts:
            label = Truncator(str(post)).chars(60)
            try:
                result = step(post)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"“{label}”: {_refusal(error)}")
            else:
                messages.success(request, f"“{label}”: {outcome(result)}")

    def _confirmation_form(self, request: HttpRequest, form_class: type[forms.Form], **kwargs) -> forms.Form:
        """Bound only when the intermediate page was submitted (the `post` marker, as delete_selected uses)."""
        if request.POST.get("post") == "yes":
            return form_class(request.POST, **kwargs)
        return form_class(**kwargs)

    def _confirmation_page(
        self,
        request: HttpRequest,
        posts: QuerySet[Post] | list[Post],
        form: forms.Form,
        *,
        action: str,
        title: str,
        intro: str,
        submit: str,
        carry: list[Post] | None = None,
        template: str | None = None,
    ) -> TemplateResponse:
        posts = list(posts)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit": submit,
            "opts": self.opts,
            "posts": posts,
            "carry": list(carry if carry is not None else posts),
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        if template == self.review_template:
            context["reviews"] = [{"post": post, "preflight": findings_display.preflight(post)} for post in posts]
        return TemplateResponse(request, template or self.confirmation_template, context)

    # --- calendar ---

    def get_urls(self) -> list:
        calendar = path("calendar/", self.admin_site.admin_view(self.calendar_view), name="scheduler_post_calendar")
        return [calendar, *super().get_urls()]

    def calendar_view(self, request: HttpRequest) -> TemplateResponse:
        """A month (Monday first) or week of posts, each at its time in the zone asked for."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        zone_name = request.GET.get("tz") or settings.TIME_ZONE
        zone = zone_named(zone_name)
        if zone is None:
            messages.warning(request, f"“{zone_name}” is not a time zone name; showing {settings.TIME_ZONE}.")
            zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        view = request.GET.get("view", "month")
        if view not in {"month", "week"}:
            view = "month"
        today = timezone.now().astimezone(zone).date()
        anchor = _parse_day(request.GET.get("date", ""))
        if anchor is None:
            if request.GET.get("date"):
                messages.warning(request, f"“{request.GET['date']}” is not a date (YYYY-MM-DD); showing today.")
            anchor = today

        if view == "month":
            first = anchor.replace(day=1)
            last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
            start = first - timedelta(days=first.weekday())
            end = last + timedelta(days=6 - last.weekday())
            previous, following = (first - timedelta(days=1)).replace(day=1), last + timedelta(days=1)
        else:
            first = start = anchor - timedelta(days=anchor.weekday())
            last = end = start + timedelta(days=6)
            previous, following = start - timedelta(days=7), start + timedelta(days=7)

        chips: dict[date, list[CalendarChip]] = defaultdict(list)
        for post in selectors.calendar_posts(
            start=_midnight(start, zone), end=_midnight(end + timedelta(days=1), zone)
        ):
            local = post.scheduled_at.astimezone(zone)
            chips[local.date()].append(
                CalendarChip(
                    post=post,
                    local=local,
                    url=reverse("admin:scheduler_post_change", args=[post.pk]),
                    title=_chip_title(post, local, zone),
                )
            )
        can_add = self.has_add_permission(request)
        add_url = reverse("admin:scheduler_post_add")
        days = []
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            query = urlencode({"scheduled_at": f"{day.isoformat()}T09:00", "timezone": zone.key})
            days.append(
                CalendarDay(
                    day=day,
                    in_range=first <= day <= last,
                    is_today=day == today,
                    add_url=f"{add_url}?{query}" if can_add else "",
                    chips=chips.get(day, []),
                )
            )

        def link(**params: str) -> str:
            query = {"view": view, "date": anchor.isoformat(), "tz": zone.key, **params}
            return f"{reverse('admin:scheduler_post_calendar')}?{urlencode(query)}"

        context = {
            **self.admin_site.each_context(request),
            "title": "Content calendar",
            "opts": self.opts,
            "is_nav_sidebar_enabled": False,  # the grid needs the width more than the sidebar
            "view": view,
            "zone": zone.key,
            "zones": [name for name, _ in timezone_choices()],
            "first": first,
            "last": last,
            "weeks": [days[index : index + 7] for index in range(0, len(days), 7)],
            "days": days,
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "previous_url": link(date=previous.isoformat()),
            "next_url": link(date=following.isoformat()),
            "today_url": link(date=today.isoformat()),
            "month_url": link(view="month"),
            "week_url": link(view="week"),
            "legend": [(value, label) for value, label in Status.choices],
            "can_add": can_add,
        }
        return TemplateResponse(request, self.calendar_template, context)


def _parse_slot(value: str) -> datetime | None:
    """A datetime, or a bare date at 09:00; None for anything else."""
    try:
        slot = parse_datetime(value)
        day = None if slot else parse_date(value)
    except ValueError:
        return None
    return slot or (datetime.combine(day, time(9, 0)) if day else None)


def _parse_day(value: str) -> date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _chip_title(post: Post, local: datetime, zone: zoneinfo.ZoneInfo) -> str:
    channels = ", ".join(delivery.channel.slug for delivery in post.deliveries.all()) or "no channel"
    own = "" if post.timezone == zone.key else f" ({post.local_scheduled_at:%H:%M} {post.timezone})"
    return (
        f"{local:%H:%M} {zone.key}{own} · {post.get_status_display()} · {channels} · by {post.author}\n"
        f"{Truncator(post.text).chars(200)}"
    )


# --- deliveries -------------------------------------------------------------------


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries change only through the publisher and the settle actions."""

    list_display = ["post", "channel", "state", "attempts", "claimed_by", "claimed_at", "sent_at", "short_error"]
    list_filter = ["state", "channel"]
    list_select_related = ["post", "channel"]
    search_fields = ["post__text", "external_id"]
    fields = [
        "post",
        "channel",
        "state",
        "idempotency_key",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "claimed_by",
        "last_error",
        "external_id",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["mark_sent", "mark_for_resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduler.change_delivery")

    @admin.display(description="last error")
    def short_error(self, delivery: Delivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.action(description="Mark as sent (I checked: it is on the channel)", permissions=["settle"])
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        self._settle(request, queryset, sent=True)

    @admin.action(description="Resend with the same key (I checked: it is not there)", permissions=["settle"])
    def mark_for_resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        self._settle(request, queryset, sent=False)

    def _settle(self, request: HttpRequest, queryset: QuerySet[Delivery], *, sent: bool) -> None:
        for delivery in queryset.select_related("channel"):
            label = f"post {delivery.post_id} on {delivery.channel.slug}"
            try:
                services.settle_unknown_delivery(delivery=delivery, by=request.user, sent=sent)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{label}: {_refusal(error)}")
            else:
                done = "marked sent" if sent else "back in the queue; it is resent with the same idempotency key"
                messages.success(request, f"{label}: {done}")
