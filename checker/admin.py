"""The lexicon overrides an organisation edits without a deploy: terms added to or silenced in the checker.

Who may edit them is the model's default permissions (granted to roles by a
data migration); the model's `clean` decides what a valid override is.
"""

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from checker.models import LexiconOverride


class LexiconOverrideForm(forms.ModelForm):
    class Meta:
        model = LexiconOverride
        fields = ["term", "language", "action", "category", "severity", "message", "suggestion", "note"]

    def clean_term(self) -> str:
        """The form the model stores (lower case, single spaces), so the one-per-term check sees the real clash."""
        return " ".join(self.cleaned_data["term"].lower().split())


@admin.register(LexiconOverride)
class LexiconOverrideAdmin(admin.ModelAdmin):
    form = LexiconOverrideForm
    list_display = ["term", "language", "action", "category", "severity", "created_by", "updated_at"]
    list_filter = ["action", "language", "category", "severity"]
    list_select_related = ["created_by"]
    search_fields = ["term", "message", "suggestion", "note"]
    readonly_fields = ["created_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["term", "language", "action"]}),
        (
            "For an added term",
            {
                "fields": ["category", "severity", "message", "suggestion"],
                "description": "What the checker says when it finds the term. A silenced term needs none of these.",
            },
        ),
        (None, {"fields": ["note", "created_by", "updated_at"]}),
    ]

    def save_model(self, request: HttpRequest, obj: LexiconOverride, form: LexiconOverrideForm, change: bool) -> None:
        """The person who made the override; later edits are in the admin history, not here."""
        if not change or obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
