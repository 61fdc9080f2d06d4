"""Demo circles for Riverton: the police–residents guide copied into the initiative, trained
facilitators, circles per time slot and language, the balanced assignment, meeting series
started three weeks ago, attendance and approved session logs with action ideas, and what the
people coming need: two people who asked for mobility access (placed in accessible circles),
childcare arranged for one circle's next meeting and not yet for the one after; one open
safety case (a fear of retaliation written in the first session log); and what participants
said from their private link: one "can't make it" to a coming meeting, one request for another
circle waiting in the organizers' queue."""

import random
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from initiatives.models import Membership, Role
from participants.models import Participant, RegistrationSettings
from participants.selectors.registration import eligible_for_placement

from .models import CircleSession, DiscussionGuide, MeetingStatus
from .selectors import needs as need_selectors
from .selectors.participant import offered_time_slots
from .services import assignment as assignment_services
from .services import circles as circle_services
from .services import library as library_services
from .services import logs as log_services
from .services import meetings as meeting_services
from .services import needs as need_services
from .services import participant as participant_services

SAFETY_CONCERN = (
    "A resident asked afterwards whether what they said about a neighbour's arrest could be "
    "held against them. Follow up before the next meeting."
)
DEMO_PASSWORD = "riverton-demo-2026"  # noqa: S105 - documented demo password, local use only

# Time slot label -> (weekday, Monday = 0; start time)
SLOT_TIMES = {
    "Tuesday evening 6–8 pm": (1, time(18, 0)),
    "Thursday evening 6–8 pm": (3, time(18, 0)),
    "Saturday morning 10–12": (5, time(10, 0)),
    "Sunday afternoon 2–4 pm": (6, time(14, 0)),
}
VENUES = [
    ("Eastside Library community room", "410 Fremont St", True),
    ("Northgate Recreation Center", "77 Linden Ave", True),
    ("Common Ground Mediation Center", "12 Market Square", True),
    ("Southbank Public Library", "230 River Rd", True),
    ("Riverside Heights Community Hall", "5 Elm Ct", False),
    ("Harbor District Boys & Girls Club", "900 Dock St", True),
]
# The same venues as Spanish readers see them (the organizers wrote these too).
VENUES_ES = {
    "Eastside Library community room": "Sala comunitaria de la Biblioteca de Eastside",
    "Northgate Recreation Center": "Centro Recreativo de Northgate",
    "Common Ground Mediation Center": "Centro de Mediación Common Ground",
    "Southbank Public Library": "Biblioteca Pública de Southbank",
    "Riverside Heights Community Hall": "Salón Comunitario de Riverside Heights",
    "Harbor District Boys & Girls Club": "Boys & Girls Club del Distrito del Puerto",
}
CIRCLE_NOTES = {
    "en": "Use the side entrance; free parking behind the building. Childcare is in the room next door.",
    "es": (
        "Use la entrada lateral; hay estacionamiento gratuito detrás del edificio. El cuidado "
        "de niños está en la sala de al lado."
    ),
}
VOLUNTEER_FACILITATORS = [
    "Maya Thompson",
    "Jorge Alvarez",
    "Denise Carter",
    "Hoang Tran",
    "Rachel Goldberg",
    "Samuel Osei",
    "Carmen Ruiz",
    "Patrick O'Neill",
    "Aaliyah Brooks",
    "Daniel Kim",
    "Fatou Diallo",
    "Mark Sullivan",
]
THEMES = [
    "Trust and respect",
    "Youth and police",
    "Traffic stops",
    "Language access",
    "Police accountability",
    "Neighborhood safety",
    "Community events",
    "Mental health response",
]
IDEAS = [
    "Hold a monthly coffee with officers at the Eastside library",
    "Add young people to the police advisory board",
    "Train officers and residents together in de-escalation",
    "Publish traffic-stop data by neighborhood every quarter",
    "Start neighborhood walks with district officers",
    "Offer Spanish interpretation at every community meeting",
    "Create a youth–police basketball league",
    "Send a mental health worker with officers on crisis calls",
]


def _user(email, name, initiative, role, organizer):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Membership.objects.get_or_create(
        user=user, initiative=initiative, role=role, defaults={"added_by": organizer}
    )
    return user


def _first_day(weekday: int, today: date) -> date:
    start = today - timedelta(days=21)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def seed_circles(initiative, *, organizer) -> dict:
    rng = random.Random(4)
    today = timezone.localdate()
    facilitators = list(
        get_user_model()
        .objects.filter(memberships__initiative=initiative, memberships__role=Role.FACILITATOR)
        .order_by("email")
    )
    for index, name in enumerate(VOLUNTEER_FACILITATORS):
        facilitators.append(
            _user(
                f"volunteer{index + 1}@demo.dialoguehub.org",
                name,
                initiative,
                Role.FACILITATOR,
                organizer,
            )
        )
    recorder = (
        get_user_model()
        .objects.filter(memberships__initiative=initiative, memberships__role=Role.RECORDER)
        .first()
    )

    source = DiscussionGuide.objects.get(slug="community-police-relations", initiative__isnull=True)
    guide = library_services.guide_copy(user=organizer, initiative=initiative, guide=source)
    for index, person in enumerate(facilitators):
        if index % 6 != 5:  # a few volunteers are still waiting for their training
            library_services.training_add(
                user=organizer,
                initiative=initiative,
                trainee=person,
                curriculum="Dialogue to Change facilitator training (2 days)",
                completed_on=today - timedelta(days=40 + index),
                trainer="Common Ground Mediation Center",
            )

    slots = list(RegistrationSettings.objects.get(initiative=initiative).time_slots)
    eligible = list(
        eligible_for_placement(initiative=initiative).values_list(
            "preferred_language", "availability"
        )
    )
    plan = []
    for slot in slots:
        people = [lang for lang, available in eligible if slot in available]
        spanish = sum(lang == "es" for lang in people)
        plan.append((slot, "es", max(1, round(spanish / 22))))
        plan.append((slot, "en", max(1, round((len(people) - spanish) / 26))))
    created = []
    number = 0
    for slot, language, count in plan:
        for _ in range(count):
            number += 1
            venue, address, accessible = VENUES[number % len(VENUES)]
            first = facilitators[number % len(facilitators)]
            second = facilitators[(number + 7) % len(facilitators)]
            created.append(
                circle_services.circle_create(
                    user=organizer,
                    initiative=initiative,
                    name=f"Circle {number} · {slot.split()[0]}{' (español)' if language == 'es' else ''}",
                    guide=guide,
                    language=language,
                    time_slot=slot,
                    time_slots=slots,
                    venue_name=venue,
                    venue_name_es=VENUES_ES[venue],
                    notes_en=CIRCLE_NOTES["en"],
                    notes_es=CIRCLE_NOTES["es"],
                    venue_address=address,
                    is_neutral_venue=True,
                    is_accessible=accessible,
                    min_per_role={"sworn_officer": 1, "young_person": 2},
                    max_share_percent=60,
                    facilitators=[first, second],
                    recorder=recorder if number <= 3 else None,
                )
            )
    # Two residents use a wheelchair: the assignment places them only in accessible circles.
    wheelchair = list(
        eligible_for_placement(initiative=initiative)
        .filter(accessibility_needs=[], role_category="resident")
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    Participant.objects.filter(pk__in=wheelchair).update(accessibility_needs=["mobility"])
    result = assignment_services.circle_assign_balanced(user=organizer, initiative=initiative)

    past = timezone.now()
    for circle in created:
        weekday, start = SLOT_TIMES.get(circle.time_slot, (1, time(18, 0)))
        meeting_services.circle_schedule_generate(
            user=organizer,
            circle=circle,
            first_day=_first_day(weekday, today),
            start_time=start,
            now=datetime.combine(
                today - timedelta(days=30), time(0, 0), tzinfo=timezone.get_current_timezone()
            ),
        )
    held = (
        CircleSession.objects.filter(
            circle__in=created, starts_at__lt=past, status=MeetingStatus.SCHEDULED
        )
        .select_related("circle")
        .order_by("circle_id", "number")
    )
    ideas_written = 0
    latest = {}
    for meeting in held:
        latest[meeting.circle_id] = meeting.pk
    # The last meeting of every other circle still waits for its attendance and log, so the
    # overview and the facilitators' "my circles" have something to show as missing.
    waiting = {pk for index, pk in enumerate(sorted(latest.values())) if index % 2 == 0}
    for meeting in held:
        if meeting.pk in waiting:
            continue
        member_ids = list(meeting.circle.members.values_list("participant_id", flat=True))
        marks = {
            pid: rng.choices(["present", "absent", "excused"], weights=[82, 12, 6])[0]
            for pid in member_ids
        }
        pair = [
            staff.user for staff in meeting.circle.staff.filter(role="facilitator").order_by("id")
        ]
        facilitator, approver = pair[0], pair[-1]
        meeting_services.attendance_save(user=facilitator, meeting=meeting, marks=marks)
        draft = log_services.log_save(
            user=facilitator,
            meeting=meeting,
            themes=rng.sample(THEMES, k=2),
            agreements="People agreed that trust grows from regular contact outside of emergencies.",
            disagreements="Views differed on whether traffic stops are mostly about safety or about quotas.",
            open_questions="How can residents see what happens after a complaint is filed?",
            group_dynamics="Everyone spoke; the officers listened more as the evening went on.",
            action_ideas=rng.sample(IDEAS, k=2),
            # The first log's safety concern opens the demo's one safety case, still open.
            safety_concerns="" if ideas_written else SAFETY_CONCERN,
            safety_category="retaliation",
            safety_severity="high",
        )
        ideas_written += 2
        log_services.log_submit(user=facilitator, log=draft)
        log_services.log_approve(user=approver, log=draft)
    _arrange_childcare(created, organizer=organizer)
    _self_service(created)
    return {"circles": len(created), "placed": result.placed_count, "ideas": ideas_written}


def _arrange_childcare(circles, *, organizer) -> None:
    """Childcare arranged for the next meeting of the first circle that needs it, not yet for
    the meeting after (the meeting sheet and the staff's notice show the difference)."""
    needs = need_selectors.circle_needs([c.pk for c in circles])
    for circle in circles:
        if any(need.need == "childcare" for need in needs[circle.pk]):
            break
    else:
        return
    upcoming = CircleSession.objects.filter(
        circle=circle, status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now()
    ).order_by("starts_at")
    if upcoming:
        need_services.need_arrange(
            user=organizer,
            meeting=upcoming[0],
            need="childcare",
            note="Two sitters from the Eastside YMCA, in the room next door",
        )


def _self_service(circles) -> None:
    """One resident can't make their circle's next meeting (the attendance page shows them
    excused, they get no reminder); one from another circle asks for another time."""
    people = list(
        Participant.objects.filter(circle_membership__circle__in=circles, accessibility_needs=[])
        .select_related("circle_membership__circle__initiative")
        .order_by("circle_membership__circle_id", "pk")
    )
    if not people:
        return
    away = people[0]
    upcoming = CircleSession.objects.filter(
        circle_id=away.circle_membership.circle_id,
        status=MeetingStatus.SCHEDULED,
        starts_at__gt=timezone.now(),
    ).order_by("starts_at")
    if upcoming:
        participant_services.meeting_excuse(participant=away, meeting=upcoming[0])
    asking = next(
        (p for p in people if p.circle_membership.circle_id != away.circle_membership.circle_id),
        None,
    )
    if asking is not None:
        own = asking.circle_membership.circle
        others = [s for s in offered_time_slots(own.initiative) if s != own.time_slot]
        participant_services.move_request_add(
            participant=asking,
            reason="My shifts changed: I work evenings now. A weekend circle would suit me.",
            wanted_time_slot=others[-1] if others else "",
        )


def seed_email_history(initiative, *, organizer) -> dict:
    """The Emails page as it looks three weeks into the dialogues: placement notices went out
    when the circles were formed (one bounced: a mistyped address), and the reminder sweep has
    planned the coming meetings' reminders (the worker sends the due ones when `make run`
    starts, into var/outbox/)."""
    from dialogue_hub.models import OutboxMessage, OutboxStatus

    from .services import reminders as reminder_services

    queued = reminder_services.placement_notices_send(user=organizer, initiative=initiative)
    formed = timezone.now() - timedelta(days=23)
    rows = OutboxMessage.objects.filter(initiative=initiative, kind=reminder_services.ASSIGNED)
    rows.update(
        status=OutboxStatus.SENT,
        created_at=formed,
        send_after=formed,
        enqueued_at=formed,
        claimed_at=formed,
        sent_at=formed + timedelta(seconds=40),
        attempts=1,
        subject="Your dialogue circle is ready",
    )
    bounced = rows.order_by("pk").first()
    if bounced is not None:
        OutboxMessage.objects.filter(pk=bounced.pk).update(
            status=OutboxStatus.FAILED,
            sent_at=None,
            subject="",
            last_error="SMTPRecipientsRefused: 550 5.1.1 The email account does not exist",
        )
    planned = reminder_services.reminders_plan()
    return {"notices": queued, **planned}
