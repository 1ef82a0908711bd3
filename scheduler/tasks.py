"""django-q2 entry points: thin wrappers around the publisher."""

import signal
import threading

from django.conf import settings

from scheduler.publishing import run_publisher_loop


def run_publisher() -> dict:
    """Scheduled every minute; loops for about a minute and a half so posts leave within seconds of their slot.

    django-q2 schedules cannot tick faster than once a minute, so the loop does
    the fine-grained polling; overlapping loops are safe because claims decide.
    A SIGTERM or SIGINT to the worker (a deploy, Ctrl-C on `make run`) ends the
    loop between two sends, instead of killing it mid-send or making the
    cluster wait out the whole loop.
    """
    stop = threading.Event()
    handled = (signal.SIGTERM, signal.SIGINT)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in handled} if in_main_thread else {}
    try:
        return run_publisher_loop(seconds=settings.PUBLISHER_LOOP_SECONDS, stop=stop).as_dict()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
