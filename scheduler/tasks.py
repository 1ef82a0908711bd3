"""django-q2 entry points: thin wrappers around the publisher."""

from django.conf import settings

from scheduler.publishing import run_publisher_loop


def run_publisher() -> dict:
    """Scheduled every minute; loops for about a minute so posts leave within seconds of their slot.

    django-q2 schedules cannot tick faster than once a minute, so the loop does
    the fine-grained polling. Two overlapping loops are safe: claims decide.
    """
    return run_publisher_loop(seconds=settings.PUBLISHER_LOOP_SECONDS).as_dict()
