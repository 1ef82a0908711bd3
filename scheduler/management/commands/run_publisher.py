import json
import math
import signal
import threading

from django.core.management.base import BaseCommand, CommandParser

from scheduler.publishing import default_worker_name, run_publisher_loop

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Command(BaseCommand):
    help = (
        "Run the publisher loop: send posts within seconds of their slot until stopped. "
        "SIGTERM or Ctrl-C stops it between sends, never in the middle of one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, help="stop after this long (default: run until stopped)")

    def handle(self, *args, **options) -> None:
        seconds = options["seconds"] if options["seconds"] is not None else math.inf
        stop = threading.Event()
        received: list[str] = []

        def request_stop(signum: int, frame) -> None:
            # Only flag it: the loop checks between sends, so a send in flight finishes and is recorded.
            received.append(signal.Signals(signum).name)
            stop.set()

        previous = {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}
        worker = default_worker_name()
        try:
            self.stderr.write(f"publisher {worker} running; stop it with SIGTERM or Ctrl-C")
            self.stderr.flush()
            summary = run_publisher_loop(seconds=seconds, stop=stop, worker=worker)
        finally:
            for signum, handler in previous.items():
                if handler is not None:  # None: installed outside Python, nothing to restore
                    signal.signal(signum, handler)
        self.stdout.write(json.dumps(summary.as_dict()))
        if received:
            self.stderr.write(f"stopped by {received[0]}")
