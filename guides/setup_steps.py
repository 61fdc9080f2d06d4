"""The guides app's steps of the setup checklist (initiatives/checklist.py): a discussion guide,
circles, the balanced assignment, the meetings and the placement notices. Registered in
GuidesConfig.ready()."""

from django.db.models import CharField, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dialogue_hub.models import OutboxMessage
from initiatives.checklist import Link, SetupStep, page
from initiatives.models import Phase

from .models import Circle, CircleMember, CircleSession, GuideSession, MeetingStatus
from .selectors.reminders import SILENT_STATUSES
from .services.reminders import ASSIGNED

# The circle steps prepare the dialogues: once they are over, a circle or a notice set up now
# would meet nobody.
DIALOGUE_STEPS_UNTIL = Phase.DIALOGUE

GUIDE = SetupStep(
    key="guide",
    order=60,
    title=_("Choose and adapt a discussion guide"),
    why=_("Every circle follows the guide's sessions: they become its meetings."),
    permission="guides.manage",
    facts=lambda: {
        "any": Exists(GuideSession.objects.filter(guide__initiative=OuterRef("pk"))),
    },
    done=lambda facts: facts["any"],
    link=page("guides:library", _("Copy a guide from the library")),
    needed_until=DIALOGUE_STEPS_UNTIL,
)

CIRCLES = SetupStep(
    key="circles",
    order=70,
    title=_("Create the circles"),
    why=_(
        "Small circles of 8–12 people, each with a facilitator pair, are where dialogue happens."
    ),
    permission="circles.manage",
    facts=lambda: {"any": Exists(Circle.objects.filter(initiative=OuterRef("pk")))},
    done=lambda facts: facts["any"],
    link=page("guides:circle_add", _("Create a circle")),
    needed_until=DIALOGUE_STEPS_UNTIL,
)

ASSIGNMENT = SetupStep(
    key="assignment",
    order=80,
    title=_("Place people in circles"),
    why=_(
        "The balanced assignment mixes residents, young people and officers in every circle, "
        "so each one hears all sides."
    ),
    permission="circles.manage",
    facts=lambda: {
        "placed": Exists(CircleMember.objects.filter(circle__initiative=OuterRef("pk"))),
    },
    done=lambda facts: facts["placed"],
    link=page("guides:assignment", _("Run the balanced assignment")),
    needed_until=DIALOGUE_STEPS_UNTIL,
)


def _meetings_facts():
    unscheduled = (
        Circle.objects.filter(initiative=OuterRef("pk"))
        .exclude(
            Exists(
                CircleSession.objects.filter(circle=OuterRef("pk"), status=MeetingStatus.SCHEDULED)
            )
        )
        .order_by("name", "pk")
    )
    return {
        "circles": Exists(Circle.objects.filter(initiative=OuterRef("pk"))),
        "unscheduled": Subquery(unscheduled.values("pk")[:1]),
        "unscheduled_name": Subquery(unscheduled.values("name")[:1]),
    }


def _meetings_link(initiative, facts) -> Link:
    if facts["unscheduled"] is None:
        return page("guides:circles", _("Open the circles"))(initiative, facts)
    return Link(
        url=reverse(
            "guides:circle_schedule_generate",
            kwargs={"slug": initiative.slug, "pk": facts["unscheduled"]},
        ),
        label=_("Schedule the meetings"),
    )


def _meetings_detail(facts):
    if facts["unscheduled_name"] is None:
        return ""
    return format_lazy(_("No meetings yet: {circle}"), circle=facts["unscheduled_name"])


MEETINGS = SetupStep(
    key="meetings",
    order=90,
    title=_("Schedule every circle's meetings"),
    why=_(
        "Dates in advance let people plan, and every meeting gets its reminders and calendar file."
    ),
    permission="circles.manage",
    facts=_meetings_facts,
    done=lambda facts: facts["circles"] and facts["unscheduled"] is None,
    link=_meetings_link,
    detail=_meetings_detail,
    needed_until=DIALOGUE_STEPS_UNTIL,
)


def _placement_facts():
    reachable = CircleMember.objects.filter(circle__initiative=OuterRef("pk")).exclude(
        participant__status__in=SILENT_STATUSES
    )
    # The notice's outbox key (guides.services.reminders.placement_key) for this member.
    key = Concat(
        Value(f"{ASSIGNED}:"),
        Cast(OuterRef("circle_id"), CharField()),
        Value(":"),
        Cast(OuterRef("participant_id"), CharField()),
        output_field=CharField(),
    )
    with_email = reachable.exclude(participant__email="")
    return {
        "placed": Exists(reachable),
        "reachable": Exists(with_email),
        "unsent": Exists(with_email.exclude(Exists(OutboxMessage.objects.filter(key=key)))),
    }


def _placement_link(initiative, facts) -> Link:
    url = reverse("guides:circles", kwargs={"slug": initiative.slug})
    return Link(url=f"{url}#placement-notices", label=_("Email placement notices"))


PLACEMENT_NOTICES = SetupStep(
    key="placement_notices",
    order=100,
    title=_("Send the placement notices"),
    why=_(
        "Each person learns their circle, its meeting times and place, with a calendar file, "
        "before the first meeting."
    ),
    permission="circles.manage",
    facts=_placement_facts,
    done=lambda facts: facts["reachable"] and not facts["unsent"],
    # Placed people, none with an email address: there is nobody to email.
    not_needed=lambda facts: facts["placed"] and not facts["reachable"],
    link=_placement_link,
    needed_until=DIALOGUE_STEPS_UNTIL,
)

STEPS = (GUIDE, CIRCLES, ASSIGNMENT, MEETINGS, PLACEMENT_NOTICES)
