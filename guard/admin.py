"""Guard state in the admin: switches and the audit log are read-only here.

A switch changes only through the engage/release pages (`guard.admin_views`),
which ask for a reason and a confirmation and go through `guard.services`.
"""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import path

from guard import admin_views, services
from guard.models import ApiToken, AuditEntry, KillSwitch


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):
    list_display = ["scope_label", "engaged", "reason", "changed_by", "changed_at"]
    list_filter = ["engaged"]
    list_select_related = ["channel"]
    fields = ["scope", "channel", "engaged", "reason", "changed_by", "changed_at", "engaged_at"]
    readonly_fields = fields
    change_list_template = "admin/guard/killswitch/change_list.html"

    @admin.display(description="scope", ordering="scope")
    def scope_label(self, switch: KillSwitch) -> str:
        return switch.scope_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: KillSwitch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: KillSwitch | None = None) -> bool:
        return False

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("engage/", wrap(self.engage_view), name="guard_killswitch_engage"),
            path("release/", wrap(self.release_view), name="guard_killswitch_release"),
            *super().get_urls(),
        ]

    def engage_view(self, request: HttpRequest) -> HttpResponse:
        return admin_views.engage(request, admin_site=self.admin_site)

    def release_view(self, request: HttpRequest) -> HttpResponse:
        return admin_views.release(request, admin_site=self.admin_site)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The record of who halted and released what. Nobody, superusers included, may add, edit or delete."""

    list_display = ["created_at", "action", "scope", "actor_label", "via", "reason", "held_back"]
    list_filter = ["action", "via"]
    search_fields = ["reason", "actor_label", "scope"]
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    fields = ["created_at", "action", "scope", "actor", "actor_label", "via", "reason", "held_back", "details"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by `create_api_token`, which returns the key once: it is shown once, never stored."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return ["name", "user"]
        return ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [] if obj is None else ["user", "prefix", "created_at", "last_used_at"]

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        """Revoke instead: a deleted token leaves no trace of who held it."""
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = services.create_api_token(user=form.cleaned_data["user"], name=form.cleaned_data["name"])
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            f"The key for “{token.name}” is {key} — copy it now: it is shown only this once and cannot be recovered.",
        )
