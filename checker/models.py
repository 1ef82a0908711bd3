"""Checker state an organisation edits without a deploy: terms it adds to or silences in the lexicons."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from checker.report import CATEGORIES, SEVERITIES


class LexiconOverride(models.Model):
    class Action(models.TextChoices):
        ADD = "add", "Add this term"
        SILENCE = "silence", "Silence this term"

    language = models.CharField(max_length=8, default="en")
    term = models.CharField(max_length=200, help_text="A word or phrase in its base form.")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.ADD)
    category = models.CharField(max_length=30, choices=[(c, c) for c in CATEGORIES], blank=True)
    severity = models.CharField(max_length=10, choices=[(s, s) for s in SEVERITIES], default="review")
    message = models.CharField(max_length=300, blank=True)
    suggestion = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why the organisation made this change.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["language", "term"]
        constraints = [
            models.UniqueConstraint(fields=["language", "term"], name="one_override_per_term_and_language"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.term} ({self.language})"

    def save(self, *args, **kwargs):
        self.term = " ".join(self.term.lower().split())
        self.updated_at = now()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None) -> None:
        self.term = " ".join(self.term.lower().split())
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.action == self.Action.ADD and not self.category:
            raise ValidationError({"category": "An added term needs a category."})
