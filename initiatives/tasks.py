import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def invitations_purge_stale() -> int:
    return services.invitations_purge_stale()
