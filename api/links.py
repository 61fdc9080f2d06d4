"""Where the open data is offered to people: a link on the public results page (actions'
RESULTS_LINKS registry, filled in ApiConfig.ready()), so a journalist or a city's data team
reading the page finds the same results as a spreadsheet."""

from django.urls import reverse
from django.utils.translation import gettext


def results_data_links(initiative) -> list[tuple[str, str]]:
    return [
        (
            gettext("These results as a spreadsheet (CSV)"),
            reverse("api:open_results_csv", kwargs={"slug": initiative.slug}),
        ),
        (gettext("Open data API"), reverse("api:docs")),
    ]
