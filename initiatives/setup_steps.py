"""The initiatives app's steps of the setup checklist (initiatives/checklist.py): the coalition,
the team and the public landing page. Registered in InitiativesConfig.ready()."""

from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .checklist import Link, SetupStep, page
from .models import ESSENTIAL_SECTORS, CoalitionMembership, Membership, Role, Sector


def _coalition_facts():
    return {
        sector.value: Exists(
            CoalitionMembership.objects.filter(
                initiative=OuterRef("pk"), organization__sector=sector
            )
        )
        for sector in ESSENTIAL_SECTORS
    }


def _missing_sectors(facts) -> list:
    return [Sector(sector).label for sector in ESSENTIAL_SECTORS if not facts[sector.value]]


def _missing_sectors_text(facts):
    missing = _missing_sectors(facts)
    if not missing:
        return ""
    return format_lazy(_("Missing: {sectors}"), sectors=", ".join(str(m) for m in missing))


COALITION = SetupStep(
    key="coalition",
    order=10,
    title=_("Build the coalition with the key sectors"),
    why=_(
        "The police, local government and youth organizations at the table from the start are "
        "what makes the dialogue lead to change."
    ),
    permission="coalition.change",
    facts=_coalition_facts,
    done=lambda facts: not _missing_sectors(facts),
    link=page("initiatives:coalition_add", _("Add an organization")),
    detail=_missing_sectors_text,
)


def _team_facts():
    def holds(role):
        return Exists(Membership.objects.filter(initiative=OuterRef("pk"), role=role))

    return {"facilitator": holds(Role.FACILITATOR), "data_steward": holds(Role.DATA_STEWARD)}


def _team_link(initiative, facts) -> Link:
    role = Role.DATA_STEWARD if facts["facilitator"] else Role.FACILITATOR
    link = page("initiatives:invite", _("Invite a team member"), role=role.value)
    return link(initiative, facts)


def _team_detail(facts):
    missing = [
        label
        for role, label in (
            (Role.FACILITATOR, _("a facilitator")),
            (Role.DATA_STEWARD, _("a data steward")),
        )
        if not facts[role.value]
    ]
    if not missing:
        return ""
    return format_lazy(_("Still needed: {roles}"), roles=", ".join(str(m) for m in missing))


TEAM = SetupStep(
    key="team",
    order=20,
    title=_("Form the team and give out the roles"),
    why=_(
        "Circles need trained facilitators, and one data steward looks after participants' "
        "personal data."
    ),
    permission="team.manage",
    facts=_team_facts,
    done=lambda facts: facts["facilitator"] and facts["data_steward"],
    link=_team_link,
    detail=_team_detail,
)


def _publish_link(initiative, facts) -> Link:
    return Link(
        url=reverse("initiatives:publish", kwargs={"slug": initiative.slug}),
        label=_("Publish landing page"),
        method="post",
        data={"publish": "1"},
    )


PUBLISH = SetupStep(
    key="publish",
    order=50,
    title=_("Publish the landing page"),
    why=_(
        "People can find the initiative and sign up only once its landing page is public; "
        "with registration open, this is the last switch."
    ),
    permission="initiative.change",
    facts=lambda: {"published": F("is_published")},
    done=lambda facts: facts["published"],
    link=_publish_link,
)

STEPS = (COALITION, TEAM, PUBLISH)
