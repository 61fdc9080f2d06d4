from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _


class DialogueHubConfig(AppConfig):
    name = "dialogue_hub"
    verbose_name = _("Dialogue Hub")

    def ready(self):
        from . import request_ids  # noqa: F401 (connects its Celery and request signals)
        from .text import install_form_cleaning

        # Every one-line text field of every form drops bidirectional and control characters.
        install_form_cleaning()


class AdminConfig(DjangoAdminConfig):
    """The Django admin on our AdminSite (its sign-in is throttled)."""

    default_site = "dialogue_hub.admin_site.AdminSite"
