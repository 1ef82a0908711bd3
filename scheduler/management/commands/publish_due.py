import json

from django.core.management.base import BaseCommand, CommandError

from scheduler.publishing import publish_due


class Command(BaseCommand):
    help = "One pass: send every delivery due now, then exit. Safe to run several at once."

    def handle(self, *args, **options):
        summary = publish_due()
        self.stdout.write(json.dumps(summary.as_dict()))
        for reason in summary.held:
            if reason.startswith("database unavailable"):
                raise CommandError(reason)
            self.stderr.write(f"held: {reason}")
