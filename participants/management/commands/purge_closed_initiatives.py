"""Delete the personal data of initiatives closed more than DIALOGUE_HUB_RETENTION_DAYS ago."""

from django.conf import settings
from django.core.management.base import BaseCommand

from participants.selectors import retention
from participants.services.retention import purge_closed_initiatives


def _describe(counts) -> str:
    return (
        f"“{counts.initiative.name}” (closed {counts.closed_at:%Y-%m-%d}): "
        f"{counts.participants} participants with their demographics and consents, "
        f"{counts.emails} emails, {counts.sign_in_sheets} sign-in sheets"
    )


class Command(BaseCommand):
    help = (
        "Delete participants (with their demographics, consents, circle places, votes…), "
        "outbox emails and waiting sign-in sheets of initiatives closed more than "
        "DIALOGUE_HUB_RETENTION_DAYS days ago. Aggregate and non-personal records stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.DIALOGUE_HUB_RETENTION_DAYS
        if dry_run:
            due = retention.initiatives_due_for_purge()
            for counts in due:
                self.stdout.write(f"Would delete, in {_describe(counts)}")
            self.stdout.write(f"Dry run: {len(due)} initiatives closed over {days} days ago.")
            return
        done = purge_closed_initiatives()
        for counts in done:
            self.stdout.write(f"Deleted, in {_describe(counts)}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(done)} initiatives closed over {days} days ago purged.")
        )
