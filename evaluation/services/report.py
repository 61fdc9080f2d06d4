"""The evaluation report's writes: sharing its public version (and taking it down), and the
activity log entry for each PDF download."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.models import Initiative
from initiatives.services import activity_record

from ..models import EvaluationReportSharing


@transaction.atomic
def report_set_shared(*, user, initiative: Initiative, shared: bool) -> EvaluationReportSharing:
    """Share the public version of the evaluation report, or take it down. Sharing needs the
    initiative's landing page to be published (the public report lives beside it)."""
    sharing, _created = EvaluationReportSharing.objects.select_for_update().get_or_create(
        initiative=initiative
    )
    if shared == sharing.is_shared:
        return sharing
    if shared and not initiative.is_published:
        raise DomainError(
            _("Publish the initiative's landing page first: the public report is shown beside it.")
        )
    sharing.published_at = timezone.now() if shared else None
    sharing.published_by = user if shared else None
    sharing.save(update_fields=["published_at", "published_by", "updated_at"])
    activity_record(
        initiative=initiative,
        actor=user,
        action="evaluation.report_shared" if shared else "evaluation.report_unshared",
        label="",
    )
    return sharing


def report_export_record(*, user, initiative: Initiative) -> None:
    """Log a download of the report as PDF (aggregates only, but exports are always logged)."""
    activity_record(initiative=initiative, actor=user, action="evaluation.report_exported")
