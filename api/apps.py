from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and open data")

    def ready(self):
        from actions.selectors.results import RESULTS_LINKS

        from . import schema  # noqa: F401  (drf-spectacular extensions register on import)
        from .links import results_data_links

        if results_data_links not in RESULTS_LINKS:
            RESULTS_LINKS.append(results_data_links)
