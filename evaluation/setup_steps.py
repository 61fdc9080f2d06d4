"""The evaluation app's step of the setup checklist (initiatives/checklist.py): the before and
after surveys. Registered in EvaluationConfig.ready()."""

from django.db.models import Exists, OuterRef
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from initiatives.checklist import SetupStep, page

from .models import Wave, WaveKind

# The change report compares the answers before and after the dialogues: both waves are needed.
COMPARED = (WaveKind.PRE, WaveKind.POST)


def _missing(facts) -> list:
    return [kind.label for kind in COMPARED if not facts[kind.value]]


EVALUATION = SetupStep(
    key="evaluation",
    order=130,
    title=_("Set up the evaluation surveys"),
    why=_(
        "The same trust questions before and after the dialogues show what changed, for the "
        "coalition and the public report."
    ),
    permission="evaluation.manage",
    facts=lambda: {
        kind.value: Exists(Wave.objects.filter(initiative=OuterRef("pk"), kind=kind))
        for kind in COMPARED
    },
    done=lambda facts: not _missing(facts),
    link=page("evaluation:waves", _("Set up the survey waves")),
    detail=lambda facts: (
        format_lazy(_("Not set up: {waves}"), waves=", ".join(str(m) for m in _missing(facts)))
        if _missing(facts)
        else ""
    ),
)

STEPS = (EVALUATION,)
