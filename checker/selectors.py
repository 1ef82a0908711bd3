"""Reads the checker needs from the database."""

from dataclasses import dataclass

from django.db import DatabaseError
from django.db.models import Count, Max

from checker.lexicon import LexiconEntry
from checker.models import LexiconOverride


@dataclass(frozen=True)
class Overrides:
    version: str
    added: tuple[LexiconEntry, ...]
    silenced: frozenset[str]


NO_OVERRIDES = Overrides(version="none", added=(), silenced=frozenset())


def lexicon_overrides(lang: str) -> Overrides:
    """This organisation's additions and silences for a language, with a version that changes when they do."""
    try:
        rows = LexiconOverride.objects.filter(language=lang)
        stamp = rows.aggregate(latest=Max("updated_at"), count=Count("pk"))
        if not stamp["count"]:
            return NO_OVERRIDES
        added = []
        silenced = set()
        for row in rows:
            if row.action == LexiconOverride.Action.SILENCE:
                silenced.add(row.term)
            else:
                added.append(
                    LexiconEntry(
                        term=row.term,
                        category=row.category,
                        rule=f"custom.{row.category}",
                        severity=row.severity,
                        message=row.message or "Your organisation asked to flag this term.",
                        suggestion=row.suggestion,
                        iab="",
                        iab_risk="",
                    )
                )
    except DatabaseError:
        # Outside a database (a CLI run before migrate, a test without db): the shipped lexicons alone.
        return NO_OVERRIDES
    return Overrides(
        version=f"{stamp['count']}:{stamp['latest'].isoformat()}", added=tuple(added), silenced=frozenset(silenced)
    )
