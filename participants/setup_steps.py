"""The participants app's steps of the setup checklist (initiatives/checklist.py): inclusion
benchmarks and targets, and registration. Registered in ParticipantsConfig.ready()."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from initiatives.checklist import SetupStep, page
from initiatives.models import Phase

from .models import InclusionTarget, Participant, RegistrationSettings, Source

TARGETS = SetupStep(
    key="targets",
    order=30,
    title=_("Set community benchmarks and inclusion targets"),
    why=_(
        "Knowing who lives in the community, and whom you aim to reach, shows during "
        "recruitment which voices are still missing."
    ),
    permission="inclusion.manage",
    facts=lambda: {
        "any": Exists(InclusionTarget.objects.filter(initiative=OuterRef("pk"))),
    },
    done=lambda facts: facts["any"],
    link=page("participants:inclusion_target_add", _("Add a benchmark and target")),
    # Targets steer recruitment: once it is over they can change nobody's place.
    needed_until=Phase.RECRUITING,
)

REGISTRATION = SetupStep(
    key="registration",
    order=40,
    title=_("Open registration"),
    why=_(
        "The sign-up form takes registrations only while registration is open in the "
        "registration settings (with the landing page published, the next step)."
    ),
    permission="participants.manage",
    facts=lambda: {
        "open": Exists(
            RegistrationSettings.objects.filter(initiative=OuterRef("pk"), is_open=True)
        ),
        # Closed again once the places are taken is still done: people signed up through it.
        "used": Exists(Participant.objects.filter(initiative=OuterRef("pk"), source=Source.ONLINE)),
    },
    done=lambda facts: facts["open"] or facts["used"],
    link=page("participants:registration_settings", _("Open the registration settings")),
    # Registration closed after recruitment is how it should be, not a missing step.
    needed_until=Phase.RECRUITING,
)

STEPS = (TARGETS, REGISTRATION)
