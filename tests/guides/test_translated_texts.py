"""Circles' and guides' texts per language (issue 17 part 3): organizers give the venue, the
notes for participants and the guide's content in English and Spanish; a participant reads their
language, or the initiative's first language marked "(en inglés, aún sin traducir)"."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.models import OutboxMessage
from guides.models import Circle, CircleSession, DiscussionGuide, GuideSession
from guides.services import library as library_services
from guides.services import meetings as meeting_services
from guides.services import reminders as reminder_services
from initiatives.models import Role
from participants.services import registration as participant_services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    DiscussionGuideFactory,
    GuideSessionFactory,
    InitiativeFactory,
    MembershipFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

MARK_ES = "(en inglés, aún sin traducir)"
MARK_EN = "(in English, not translated yet)"


@pytest.fixture
def bilingual():
    """An initiative run in English first, then Spanish, whose time slots are worded in both."""
    initiative = InitiativeFactory(languages=["en", "es"])
    RegistrationSettingsFactory(
        initiative=initiative,
        time_slots=["Tuesday evening", "Saturday morning"],
        option_labels_es={"time_slots": ["martes por la tarde", "sábado por la mañana"]},
    )
    return initiative


def bilingual_circle(initiative, **columns):
    circle = CircleFactory(initiative=initiative, time_slot="Tuesday evening")
    values = {
        "venue_name_en": "Eastside Library",
        "venue_name_es": "Biblioteca del Este",
        "notes_en": "Use the side door on Elm Street.",
        "notes_es": None,
        **columns,
    }
    Circle.objects.filter(pk=circle.pk).update(**values)
    circle.refresh_from_db()
    return circle


def meeting(circle, number, **titles):
    row = CircleSessionFactory(circle=circle, number=number)
    CircleSession.objects.filter(pk=row.pk).update(**{"title_en": None, "title_es": None, **titles})
    row.refresh_from_db()
    return row


def circle_url(participant):
    token = participant_services.make_token(participant, participant_services.MANAGE_SALT)
    return reverse("guides:participant_circle", args=[token])


# --- what participants read --------------------------------------------------------------------


def test_a_spanish_reader_sees_the_circle_in_spanish_and_english_marked_where_untranslated(
    client, bilingual
):
    circle = bilingual_circle(bilingual)
    member = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    meeting(circle, 1, title_en="Sharing our experiences", title_es="Compartir experiencias")
    meeting(circle, 2, title_en="Looking for common ground")

    page = client.get(circle_url(member.participant), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Biblioteca del Este" in page
    assert "Eastside Library" not in page
    assert "Use the side door on Elm Street." in page  # no Spanish notes: the English ones…
    assert MARK_ES in page  # …marked as such
    assert "Compartir experiencias" in page
    assert "Sharing our experiences" not in page
    assert '<span lang="en">Looking for common ground</span>' in page
    assert "martes por la tarde" in page  # the time slot, worded for Spanish readers
    assert "Tuesday evening" not in page


def test_an_english_reader_sees_the_original_texts_unmarked(client, bilingual):
    circle = bilingual_circle(bilingual)
    member = CircleMemberFactory(circle=circle)
    meeting(circle, 1, title_en="Sharing our experiences", title_es="Compartir experiencias")

    page = client.get(circle_url(member.participant), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Eastside Library" in page
    assert "Use the side door on Elm Street." in page
    assert "Sharing our experiences" in page
    assert "Tuesday evening" in page
    assert MARK_EN not in page
    assert "Notes from the organizers" in page


def test_the_circle_page_stays_flat_with_ten_times_the_meetings(client, bilingual):
    circle = bilingual_circle(bilingual)
    member = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    session = GuideSessionFactory(guide=DiscussionGuideFactory(initiative=bilingual))
    meeting(circle, 1, title_es="Uno")
    CircleSessionFactory(circle=circle, number=2, guide_session=session, title="")

    def add_rows():
        for number in range(3, 23):
            row = CircleSessionFactory(circle=circle, number=number, guide_session=session)
            CircleSession.objects.filter(pk=row.pk).update(title_en=None, title_es=None)

    client.cookies["django_language"] = "es"
    assert_queries_do_not_grow(client, circle_url(member.participant), add_rows, limit=12)


def test_the_move_request_form_offers_the_time_slots_in_the_readers_language(client, bilingual):
    circle = bilingual_circle(bilingual)
    CircleFactory(initiative=bilingual, time_slot="Saturday morning")
    member = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    token = participant_services.make_token(member.participant, participant_services.MANAGE_SALT)

    page = client.get(
        reverse("guides:participant_move_request", args=[token]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert '<option value="Saturday morning">sábado por la mañana</option>' in page


def test_the_placement_email_in_spanish_gives_the_spanish_venue_and_marks_the_english_notes(
    bilingual,
):
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=bilingual, role=Role.ORGANIZER)
    circle = bilingual_circle(bilingual)
    CircleMemberFactory(circle=circle, participant__preferred_language="es")
    meeting(circle, 1, title_en="Sharing our experiences", title_es="Compartir experiencias")
    meeting(circle, 2, title_en="Looking for common ground")

    reminder_services.placement_notices_send(user=organizer, initiative=bilingual)
    outbox.send_batch(list(OutboxMessage.objects.values_list("pk", flat=True)))

    [message] = mail.outbox
    text = message.body
    assert "Biblioteca del Este" in text
    assert "Eastside Library" not in text
    assert f"Use the side door on Elm Street. {MARK_ES}" in text
    assert "Compartir experiencias" in text
    assert f"Looking for common ground {MARK_ES}" in text
    assert "martes por la tarde" in text
    html = message.alternatives[0][0]
    assert "Biblioteca del Este" in html
    assert '<span lang="en">Looking for common ground</span>' in html
    assert MARK_ES in html


def test_the_rescheduled_notice_gives_the_meetings_own_venue_in_the_readers_language(
    bilingual, django_capture_on_commit_callbacks
):
    organizer = UserFactory()
    circle = bilingual_circle(bilingual)
    spanish = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    english = CircleMemberFactory(circle=circle, participant__preferred_language="en")
    row = meeting(circle, 1, title_en="Sharing our experiences")
    new_day = timezone.localdate() + timedelta(days=9)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_reschedule(
            user=organizer,
            meeting=row,
            day=new_day,
            at=row.starts_at.time(),
            venue_name_en="Community Hall",
            venue_name_es="Salón Comunitario",
        )

    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Salón Comunitario" in bodies[spanish.participant.email]
    assert f"Sharing our experiences {MARK_ES}" in bodies[spanish.participant.email]
    assert "Community Hall" in bodies[english.participant.email]
    assert MARK_EN not in bodies[english.participant.email]


# --- what organizers write ---------------------------------------------------------------------


@pytest.fixture
def organizer_es(client, bilingual):
    """An organizer whose pages are in Spanish: the language must not decide the columns."""
    user = UserFactory()
    MembershipFactory(user=user, initiative=bilingual, role=Role.ORGANIZER)
    client.force_login(user)
    client.cookies["django_language"] = "es"
    return client


def circle_form(facilitator, **overrides):
    return {
        "name": "Eastside Tuesday",
        "language": "en",
        "min_size": "8",
        "max_size": "12",
        "time_slot": "Tuesday evening",
        "venue_name_en": "Eastside Library",
        "venue_name_es": "Biblioteca del Este",
        "venue_address": "1 Main St",
        "notes_en": "Side door.",
        "notes_es": "Puerta lateral.",
        "facilitator_1": str(facilitator.pk),
        **overrides,
    }


def test_the_circle_form_saves_each_language_to_its_column_whatever_the_page_language(
    organizer_es, bilingual
):
    facilitator = UserFactory()
    MembershipFactory(user=facilitator, initiative=bilingual, role=Role.FACILITATOR)

    response = organizer_es.post(
        reverse("guides:circle_add", args=[bilingual.slug]), circle_form(facilitator)
    )

    assert response.status_code == 302
    circle = Circle.objects.get()
    assert (circle.venue_name_en, circle.venue_name_es) == (
        "Eastside Library",
        "Biblioteca del Este",
    )
    assert (circle.notes_en, circle.notes_es) == ("Side door.", "Puerta lateral.")
    edit = organizer_es.get(reverse("guides:circle_edit", args=[bilingual.slug, circle.pk]))
    page = edit.content.decode()
    assert 'name="notes_es"' in page
    assert "Puerta lateral." in page
    # Leaving the Spanish venue empty makes it untranslated (None), not "".
    organizer_es.post(
        reverse("guides:circle_edit", args=[bilingual.slug, circle.pk]),
        circle_form(facilitator, venue_name_es=""),
    )
    circle.refresh_from_db()
    assert circle.venue_name_es is None
    assert circle.venue_name_en == "Eastside Library"


def test_the_circle_venue_in_the_first_language_is_the_one_that_counts(organizer_es, bilingual):
    facilitator = UserFactory()
    MembershipFactory(user=facilitator, initiative=bilingual, role=Role.FACILITATOR)

    response = organizer_es.post(
        reverse("guides:circle_add", args=[bilingual.slug]),
        circle_form(facilitator, venue_name_en="", online_link=""),
    )

    assert response.status_code == 200
    assert "venue_name_en" in response.context["form"].errors
    assert "Biblioteca del Este" in response.content.decode()  # what was typed is kept
    assert not Circle.objects.exists()


def spanish_first_guide():
    initiative = InitiativeFactory(languages=["es", "en"])
    guide = DiscussionGuideFactory(initiative=initiative, languages=["es", "en"])
    return initiative, guide


def test_a_guide_session_needs_its_title_in_the_initiatives_first_language(client):
    initiative, guide = spanish_first_guide()
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=Role.ORGANIZER)
    client.force_login(user)

    response = client.post(
        reverse("guides:guide_session_add", args=[initiative.slug, guide.pk]),
        {"title_en": "Opening", "duration_minutes": "120", "goals_en": "Meet each other"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["title_es"]
    assert list(form.fields)[:2] == ["title_es", "title_en"]  # the first language first
    assert "Meet each other" in response.content.decode()
    assert not guide.sessions.exists()


def test_another_languages_agenda_gives_titles_line_for_line_and_reuses_the_minutes(
    organizer_es, bilingual
):
    guide = DiscussionGuideFactory(initiative=bilingual, languages=["en", "es"])
    url = reverse("guides:guide_session_add", args=[bilingual.slug, guide.pk])
    data = {
        "title_en": "Opening",
        "title_es": "Apertura",
        "duration_minutes": "120",
        "agenda_en": "20 | Welcome\n100 | Stories",
        "agenda_es": "Bienvenida\nHistorias",
        "questions_en": "Why here?",
        "questions_es": "¿Por qué está aquí?",
    }

    mismatch = organizer_es.post(url, {**data, "agenda_es": "Bienvenida"})
    assert mismatch.status_code == 200
    assert list(mismatch.context["form"].errors) == ["agenda_es"]
    assert "Bienvenida" in mismatch.content.decode()

    assert organizer_es.post(url, data).status_code == 302
    session = guide.sessions.get()
    assert (session.title_en, session.title_es) == ("Opening", "Apertura")
    assert session.agenda_en == [
        {"title": "Welcome", "minutes": 20},
        {"title": "Stories", "minutes": 100},
    ]
    assert session.agenda_es == [
        {"title": "Bienvenida", "minutes": 20},
        {"title": "Historias", "minutes": 100},
    ]
    assert session.questions_es == ["¿Por qué está aquí?"]
    edit = organizer_es.get(reverse("guides:guide_session_edit", args=[bilingual.slug, session.pk]))
    assert "Bienvenida\nHistorias" in edit.content.decode()  # titles only: the minutes are above


def test_the_guide_form_saves_both_languages_and_leaves_an_untranslated_one_empty(
    organizer_es, bilingual
):
    guide = DiscussionGuideFactory(initiative=bilingual, languages=["en"])
    url = reverse("guides:guide_edit", args=[bilingual.slug, guide.pk])

    response = organizer_es.post(
        url,
        {
            "title_en": "Our guide",
            "title_es": "Nuestra guía",
            "description_en": "Four sessions.",
            "description_es": "",
            "languages": ["en", "es"],
        },
    )

    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.title_en, guide.title_es) == ("Our guide", "Nuestra guía")
    assert (guide.description_en, guide.description_es) == ("Four sessions.", None)


def test_copying_a_library_guide_copies_every_language(bilingual):
    organizer = UserFactory()
    library = DiscussionGuideFactory(initiative=None, languages=["en", "es"])
    DiscussionGuide.objects.filter(pk=library.pk).update(
        title_en="Community and police", title_es="Comunidad y policía", description_es="Guía"
    )
    session = GuideSessionFactory(guide=library, position=1)
    GuideSession.objects.filter(pk=session.pk).update(
        title_en="Opening",
        title_es="Apertura",
        goals_es="Conocerse",
        agenda_es=[{"title": "Bienvenida", "minutes": 15}, {"title": "Charla", "minutes": 105}],
        questions_es=["¿Qué le trajo aquí?"],
    )

    library.refresh_from_db()

    copy = library_services.guide_copy(user=organizer, initiative=bilingual, guide=library)

    assert (copy.title_en, copy.title_es, copy.description_es) == (
        "Community and police",
        "Comunidad y policía",
        "Guía",
    )
    copied = copy.sessions.get()
    assert (copied.title_en, copied.title_es, copied.goals_es) == (
        "Opening",
        "Apertura",
        "Conocerse",
    )
    assert copied.agenda_es[0] == {"title": "Bienvenida", "minutes": 15}
    assert copied.questions_es == ["¿Qué le trajo aquí?"]


def test_scheduled_meetings_take_the_sessions_title_in_every_language(bilingual):
    organizer = UserFactory()
    guide = DiscussionGuideFactory(initiative=bilingual)
    session = GuideSessionFactory(guide=guide, position=1)
    GuideSession.objects.filter(pk=session.pk).update(title_en="Opening", title_es="Apertura")
    circle = bilingual_circle(bilingual, guide_id=guide.pk)
    circle.guide = guide

    meeting_services.circle_schedule_generate(
        user=organizer,
        circle=circle,
        first_day=timezone.localdate() + timedelta(days=10),
        start_time=timezone.now().time().replace(hour=18, minute=30, second=0, microsecond=0),
        interval_days=7,
    )

    row = CircleSession.objects.get(circle=circle)
    assert (row.title_en, row.title_es) == ("Opening", "Apertura")


def test_plain_texts_from_code_are_the_first_language_whatever_is_active(bilingual):
    """Demo data and imports pass `venue_name=`: it is the first language's, not the active one."""
    from django.utils import translation

    from guides.services import circles as circle_services

    facilitator = UserFactory()
    MembershipFactory(user=facilitator, initiative=bilingual, role=Role.FACILITATOR)
    with translation.override("es"):
        circle = circle_services.circle_create(
            user=facilitator,
            initiative=bilingual,
            name="Demo",
            venue_name="Eastside Library",
            notes="Bring water.",
            time_slot="Tuesday evening",
            time_slots=["Tuesday evening"],
            facilitators=[facilitator],
        )
    assert (circle.venue_name_en, circle.venue_name_es) == ("Eastside Library", None)
    assert circle.notes_en == "Bring water."


def test_a_session_translated_after_the_meetings_were_scheduled_reaches_its_meetings(
    client, bilingual
):
    """Scheduling copies the session's titles into each meeting. An organizer who schedules
    first and translates the guide afterwards (the usual order) must not leave Spanish readers
    with the English title marked "not translated yet"; a meeting given its own title keeps it."""
    guide = DiscussionGuideFactory(initiative=bilingual)
    opening = GuideSessionFactory(guide=guide, position=1)
    closing = GuideSessionFactory(guide=guide, position=2)
    GuideSession.objects.filter(pk=opening.pk).update(title_en="Opening", title_es=None)
    GuideSession.objects.filter(pk=closing.pk).update(title_en="Closing", title_es=None)
    circle = bilingual_circle(bilingual, guide_id=guide.pk)
    member = CircleMemberFactory(circle=circle, participant__preferred_language="es")
    first = meeting(circle, 1, title_en="Opening")  # as scheduling copied it
    CircleSession.objects.filter(pk=first.pk).update(guide_session=opening)
    own = meeting(circle, 2, title_en="Our own closing night")  # renamed by the organizer
    CircleSession.objects.filter(pk=own.pk).update(guide_session=closing)
    # The organizer translates the guide afterwards.
    GuideSession.objects.filter(pk=opening.pk).update(title_es="Apertura")
    GuideSession.objects.filter(pk=closing.pk).update(title_es="Cierre")

    page = client.get(circle_url(member.participant), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Apertura" in page
    assert '<span lang="en">Opening</span>' not in page
    assert '<span lang="en">Our own closing night</span>' in page
    assert "Cierre" not in page
