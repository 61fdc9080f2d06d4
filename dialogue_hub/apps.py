from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogueHubConfig(AppConfig):
    name = "dialogue_hub"
    verbose_name = _("Dialogue Hub")
