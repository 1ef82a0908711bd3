"""`{% review_queue_size as waiting %}`: the header's "Review queue (N)" on every admin page.

A template tag because the count belongs in guard's base_site.html, which no
admin view of this app renders alone.
"""

from django import template
from django.db import DatabaseError

from scheduler import selectors

register = template.Library()


@register.simple_tag
def review_queue_size() -> int | None:
    """Posts waiting for a reviewer; None when the database cannot say, so the header still renders."""
    try:
        return selectors.review_queue().count()
    except DatabaseError:
        return None
