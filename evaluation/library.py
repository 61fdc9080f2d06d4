"""The survey library: the two instruments it ships, in our own words (English and Spanish).

The trust instrument follows the constructs used in community–police surveys (see
DOMAIN.md, "Trust survey items in use"): procedural justice (fair treatment, listening,
respect, explaining decisions) and trust and legitimacy (trustworthy, confidence, willingness
to work together). Residents answer them about the police; police officers and officials
answer the mirror items about residents, under the same keys, so a change report sets the two
side by side. The questions themselves (English and Spanish) were written into the database
by migration 0002_library_instruments; organizers copy an instrument into their initiative and
adapt it there.
"""

from django.utils.translation import gettext_lazy as _

TRUST_SLUG = "community-police-trust"
FEEDBACK_SLUG = "after-session-feedback"

# The names of the scales, as reports show them.
SCALES = {"procedural_justice": _("Procedural justice"), "trust": _("Trust and legitimacy")}


def library_instrument(slug: str):
    """The library's instrument `slug`. Migration 0002 wrote the library; a database emptied
    since (`manage.py flush`, a test run's flush after a transactional test) gets it written
    again here, from the migration's own frozen definitions, rather than failing."""
    import importlib

    from django.apps import apps
    from django.db import IntegrityError, transaction

    from .models import Instrument

    found = Instrument.objects.filter(initiative__isnull=True, slug=slug).first()
    if found is None:
        migration = importlib.import_module("evaluation.migrations.0002_library_instruments")
        try:
            with transaction.atomic():
                migration.ship(apps, None)
        except IntegrityError:
            pass  # another request wrote it at the same moment
        found = Instrument.objects.get(initiative__isnull=True, slug=slug)
    return found
