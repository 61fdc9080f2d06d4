"""The check the suite runs after every test on PostgreSQL (tests/conftest.py): the tallies
the triggers of participants' migration 0009 keep equal the counts computed from the rows."""

from django.db import DatabaseError, connection

from initiatives.models import Initiative
from participants.models import InclusionTally, Participant
from participants.selectors.tallies import counted


def kept(initiative_id) -> dict:
    result = {}
    rows = InclusionTally.objects.filter(initiative_id=initiative_id).exclude(n=0)
    for dimension, value, n in rows.values_list("dimension", "value", "n"):
        result.setdefault(dimension, {})[value] = n
    return result


def computed(initiative) -> dict:
    return {dimension: values for dimension, values in counted(initiative).items() if values}


def tallies_disagree() -> str:
    """What differs, for the first initiative whose tallies are wrong; "" when all agree (or
    when the test left the database unusable: stopped, or its transaction broken on purpose)."""
    if connection.needs_rollback or not connection.is_usable():
        return ""
    try:
        ids = set(Participant.objects.values_list("initiative_id", flat=True).distinct())
        ids |= set(InclusionTally.objects.exclude(n=0).values_list("initiative_id", flat=True))
        initiatives = {i.pk: i for i in Initiative.objects.filter(pk__in=ids)}
        for pk in sorted(ids):
            want = computed(initiatives[pk]) if pk in initiatives else {}
            have = kept(pk)
            if have != want:
                return (
                    f"The inclusion tallies of initiative {pk} are wrong after this test: "
                    f"kept {have}, counted from the registrations {want}"
                )
    except DatabaseError:
        return ""  # the test stopped or broke the database on purpose
    return ""
