"""Writes around the change report: the record that someone downloaded it."""

from django.db import transaction

from initiatives.models import Initiative
from initiatives.services import activity_record


@transaction.atomic
def change_export_record(*, user, initiative: Initiative) -> None:
    """Log a download of the change report's CSV (aggregates only, but exports are logged)."""
    activity_record(initiative=initiative, actor=user, action="evaluation.change_exported")
