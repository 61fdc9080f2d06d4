"""The guide library: the two shipped guides, copying a guide into an initiative and adapting
the copy (sessions, agendas, questions, order), and facilitator training records."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from guides.forms.library import GuideSessionForm
from guides.models import DiscussionGuide, FacilitatorTraining, GuideSession
from guides.selectors import library as library_selectors
from guides.services import library as library_services
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    CircleFactory,
    DiscussionGuideFactory,
    FacilitatorTrainingFactory,
    GuideSessionFactory,
    InitiativeFactory,
    MembershipFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

migration = importlib.import_module("guides.migrations.0002_library_guides")


def library_guide(title="Library guide", sessions=3, slug=None):
    guide = DiscussionGuideFactory(initiative=None, title=title, slug=slug or "")
    for position in range(1, sessions + 1):
        GuideSessionFactory(guide=guide, position=position, title=f"Part {position}")
    return guide


def own_guide(initiative, sessions=3):
    guide = DiscussionGuideFactory(initiative=initiative, title="Our guide")
    for position in range(1, sessions + 1):
        GuideSessionFactory(guide=guide, position=position, title=f"Our part {position}")
    return guide


def titles(guide):
    return list(guide.sessions.order_by("position").values_list("position", "title"))


# --- the shipped guides ------------------------------------------------------------------------


def test_data_migration_creates_exactly_the_two_guides_with_agendas_that_add_up():
    DiscussionGuide.objects.filter(initiative__isnull=True).delete()

    migration.create_library_guides(django_apps, None)
    migration.create_library_guides(django_apps, None)  # running it again adds nothing

    guides = {g.slug: g for g in DiscussionGuide.objects.filter(initiative__isnull=True)}
    assert set(guides) == {"community-police-relations", "facing-racism"}
    police, racism = guides["community-police-relations"], guides["facing-racism"]
    assert police.based_on.startswith("Structure of “Protecting Communities, Serving the Public")
    assert racism.based_on.startswith("Structure of “Facing Racism in a Diverse Nation”")
    assert [t for _n, t in titles(police)] == [
        "Sharing our experiences",
        "What's the nature of the problem?",
        "What do we expect from each other?",
        "How can we make progress?",
        "Committing to change: what needs to happen in our community?",
    ]
    assert titles(racism)[0] == (1, "Making connections")
    assert len(titles(racism)) == 6
    assert "ours" in racism.description
    for guide in (police, racism):
        assert guide.languages == ["en"]
        assert guide.initiative is None
        for session in guide.sessions.all():
            assert session.duration_minutes == 120
            assert 4 <= len(session.agenda) <= 6, session
            assert library_selectors.agenda_minutes(session.agenda) == session.duration_minutes, (
                session
            )
            assert 4 <= len(session.questions) <= 6, session
            assert session.goals
    problem = police.sessions.get(position=2)
    text = " ".join([problem.goals, *problem.questions]).lower()
    for source in ("race", "culture", "class", "history", "laws", "police department"):
        assert source in text, source

    migration.delete_library_guides(django_apps, None)
    assert not DiscussionGuide.objects.filter(initiative__isnull=True).exists()


def test_reversing_the_data_migration_keeps_initiatives_copies(initiative, organizer):
    DiscussionGuide.objects.filter(initiative__isnull=True).delete()
    migration.create_library_guides(django_apps, None)
    source = DiscussionGuide.objects.get(slug="facing-racism", initiative__isnull=True)
    copy = library_services.guide_copy(user=organizer, initiative=initiative, guide=source)

    migration.delete_library_guides(django_apps, None)

    copy.refresh_from_db()
    assert copy.copied_from is None
    assert copy.sessions.count() == 6


# --- copying and adapting ----------------------------------------------------------------------


def test_copy_is_an_independent_deep_copy(initiative, organizer):
    source = library_guide(sessions=3, slug="lib")
    before = [(s.title, s.agenda, s.questions) for s in source.sessions.order_by("position")]

    copy = library_services.guide_copy(user=organizer, initiative=initiative, guide=source)

    assert copy.initiative == initiative
    assert copy.copied_from == source
    assert copy.title == source.title
    assert [(s.title, s.agenda, s.questions) for s in copy.sessions.order_by("position")] == before
    assert set(copy.sessions.values_list("pk", flat=True)).isdisjoint(
        source.sessions.values_list("pk", flat=True)
    )
    first = copy.sessions.get(position=1)
    library_services.guide_session_update(
        user=organizer,
        initiative=initiative,
        session=first,
        title="Changed",
        duration_minutes=90,
        agenda=[{"title": "All of it", "minutes": 90}],
        questions=["New?"],
    )
    library_services.guide_update(
        user=organizer, initiative=initiative, guide=copy, title="Ours now", languages=["es"]
    )
    library_services.guide_session_delete(
        user=organizer, initiative=initiative, session=copy.sessions.get(position=3)
    )

    source.refresh_from_db()
    assert source.title == "Library guide"
    assert source.languages == ["en"]
    assert [
        (s.title, s.agenda, s.questions) for s in source.sessions.order_by("position")
    ] == before
    entry = ActivityLogEntry.objects.filter(action="guide.copied").get()
    assert entry.initiative == initiative
    assert entry.actor == organizer


def test_guides_of_another_initiative_cannot_be_copied(initiative, other_initiative, organizer):
    foreign = own_guide(other_initiative)
    with pytest.raises(DomainError):
        library_services.guide_copy(user=organizer, initiative=initiative, guide=foreign)
    assert not DiscussionGuide.objects.filter(initiative=initiative).exists()


def test_library_guides_cannot_be_changed_through_the_services(initiative, organizer):
    source = library_guide()
    with pytest.raises(DomainError):
        library_services.guide_update(
            user=organizer, initiative=initiative, guide=source, title="X", languages=["en"]
        )
    with pytest.raises(DomainError):
        library_services.guide_session_create(
            user=organizer, initiative=initiative, guide=source, title="Extra"
        )
    with pytest.raises(DomainError):
        library_services.guide_session_delete(
            user=organizer, initiative=initiative, session=source.sessions.first()
        )
    assert source.sessions.count() == 3


def test_sessions_move_up_and_down_and_renumber_after_a_delete(initiative, organizer):
    guide = own_guide(initiative, sessions=4)
    third = guide.sessions.get(position=3)

    library_services.guide_session_move(
        user=organizer, initiative=initiative, session=third, direction="up"
    )
    assert [t for _n, t in titles(guide)] == [
        "Our part 1",
        "Our part 3",
        "Our part 2",
        "Our part 4",
    ]

    library_services.guide_session_move(
        user=organizer, initiative=initiative, session=third, direction="down"
    )
    library_services.guide_session_move(
        user=organizer, initiative=initiative, session=third, direction="down"
    )
    assert [t for _n, t in titles(guide)] == [
        "Our part 1",
        "Our part 2",
        "Our part 4",
        "Our part 3",
    ]

    with pytest.raises(DomainError):
        library_services.guide_session_move(
            user=organizer, initiative=initiative, session=third, direction="down"
        )
    with pytest.raises(DomainError):
        library_services.guide_session_move(
            user=organizer,
            initiative=initiative,
            session=guide.sessions.get(position=1),
            direction="up",
        )

    library_services.guide_session_delete(
        user=organizer, initiative=initiative, session=guide.sessions.get(position=2)
    )
    assert titles(guide) == [(1, "Our part 1"), (2, "Our part 4"), (3, "Our part 3")]

    added = library_services.guide_session_create(
        user=organizer, initiative=initiative, guide=guide, title="Closing"
    )
    assert added.position == 4


def test_move_view_reorders(organizer_client, initiative):
    guide = own_guide(initiative, sessions=2)
    second = guide.sessions.get(position=2)

    response = organizer_client.post(
        reverse("guides:guide_session_move", args=[initiative.slug, second.pk]),
        {"direction": "up"},
    )

    assert response.status_code == 302
    assert [t for _n, t in titles(guide)] == ["Our part 2", "Our part 1"]


def test_deleting_a_guide_used_by_a_circle_is_refused(initiative, organizer):
    guide = own_guide(initiative)
    CircleFactory(initiative=initiative, guide=guide)
    with pytest.raises(DomainError):
        library_services.guide_delete(user=organizer, initiative=initiative, guide=guide)
    assert DiscussionGuide.objects.filter(pk=guide.pk).exists()


# --- agenda and questions as text ----------------------------------------------------------------


def test_agenda_lines_are_parsed_into_items():
    form = GuideSessionForm(
        {
            "title_en": "Opening",
            "duration_minutes": "120",
            "agenda_en": "20 | Welcome\n\n  100|Stories  \n",
            "questions_en": "Why here?\n\n  What now? \n",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["agenda_en"] == [
        {"title": "Welcome", "minutes": 20},
        {"title": "Stories", "minutes": 100},
    ]
    assert form.cleaned_data["questions_en"] == ["Why here?", "What now?"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("15 | Welcome\nStories for a while", 2),
        ("15 | Welcome\n10 |\n", 2),
        ("fifteen | Welcome", 1),
        ("15 | Welcome\n20 | Talk\n0 | Nothing", 3),
        ("15 | Welcome\n-5 | Negative", 2),
        ("9999 | Forever", 1),
    ],
)
def test_agenda_errors_are_field_errors_naming_the_line(text, line):
    form = GuideSessionForm({"title_en": "Opening", "duration_minutes": "120", "agenda_en": text})
    assert not form.is_valid()
    assert list(form.errors) == ["agenda_en"]
    assert f"Line {line}:" in form.errors["agenda_en"][0]


def test_bad_agenda_in_the_edit_page_keeps_the_input_and_changes_nothing(
    organizer_client, initiative
):
    session = own_guide(initiative).sessions.get(position=1)
    agenda_before = session.agenda

    response = organizer_client.post(
        reverse("guides:guide_session_edit", args=[initiative.slug, session.pk]),
        {"title_en": "Changed", "duration_minutes": "120", "agenda_en": "10 | Hi\nno minutes here"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Line 2:" in content
    assert "no minutes here" in content
    session.refresh_from_db()
    assert session.agenda == agenda_before
    assert session.title != "Changed"


def test_agenda_not_matching_the_duration_is_saved_with_a_warning(organizer_client, initiative):
    guide = own_guide(initiative, sessions=1)

    response = organizer_client.post(
        reverse("guides:guide_session_add", args=[initiative.slug, guide.pk]),
        {
            "title_en": "Extra",
            "duration_minutes": "120",
            "agenda_en": "10 | Welcome\n30 | Talk",
            "questions_en": "One?\nTwo?",
        },
        follow=True,
    )

    added = guide.sessions.get(position=2)
    assert added.agenda == [{"title": "Welcome", "minutes": 10}, {"title": "Talk", "minutes": 30}]
    assert added.questions == ["One?", "Two?"]
    content = response.content.decode()
    assert "adds up to 40 minutes" in content
    assert "alert-warning" in content


def test_edit_page_shows_the_agenda_as_lines(organizer_client, initiative):
    session = own_guide(initiative).sessions.get(position=1)
    response = organizer_client.get(
        reverse("guides:guide_session_edit", args=[initiative.slug, session.pk])
    )
    assert "15 | Welcome\n105 | Talk" in response.content.decode()


def test_guide_edit_without_a_language_is_a_field_error(organizer_client, initiative):
    guide = own_guide(initiative)
    response = organizer_client.post(
        reverse("guides:guide_edit", args=[initiative.slug, guide.pk]), {"title_en": "Renamed"}
    )
    assert response.status_code == 200
    assert "Choose at least one language." in response.content.decode()
    guide.refresh_from_db()
    assert guide.title == "Our guide"


# --- pages: read-only library, other initiatives, what each page shows ---------------------------


def test_library_guides_are_read_only_for_organizers(organizer_client, initiative):
    source = library_guide()
    session = source.sessions.first()
    for name, pk in [
        ("guide_edit", source.pk),
        ("guide_delete", source.pk),
        ("guide_session_add", source.pk),
        ("guide_session_edit", session.pk),
        ("guide_session_delete", session.pk),
        ("guide_session_move", session.pk),
    ]:
        url = reverse(f"guides:{name}", args=[initiative.slug, pk])
        assert organizer_client.post(url, {"title": "X", "direction": "down"}).status_code == 403
    assert (
        organizer_client.get(
            reverse("guides:guide_edit", args=[initiative.slug, source.pk])
        ).status_code
        == 403
    )
    assert titles(source) == [(1, "Part 1"), (2, "Part 2"), (3, "Part 3")]


def test_guides_of_another_initiative_answer_404(organizer_client, initiative, other_initiative):
    foreign = own_guide(other_initiative)
    session = foreign.sessions.first()
    for name, pk in [
        ("guide_detail", foreign.pk),
        ("guide_copy", foreign.pk),
        ("guide_edit", foreign.pk),
        ("guide_delete", foreign.pk),
        ("guide_session_add", foreign.pk),
        ("guide_session_edit", session.pk),
        ("guide_session_delete", session.pk),
        ("guide_session_move", session.pk),
    ]:
        url = reverse(f"guides:{name}", args=[initiative.slug, pk])
        response = (
            organizer_client.get(url) if name == "guide_detail" else organizer_client.post(url)
        )
        assert response.status_code == 404, name
    assert DiscussionGuide.objects.filter(initiative=initiative).count() == 0
    assert foreign.sessions.count() == 3


def test_copy_view_copies_and_opens_the_copy(organizer_client, initiative):
    source = library_guide()
    response = organizer_client.post(
        reverse("guides:guide_copy", args=[initiative.slug, source.pk])
    )
    copy = DiscussionGuide.objects.get(initiative=initiative)
    assert response.url == reverse("guides:guide_detail", args=[initiative.slug, copy.pk])
    assert copy.sessions.count() == 3


def test_detail_shows_agenda_minutes_total_and_questions(client, initiative, member_of):
    guide = library_guide(sessions=1)
    client.force_login(member_of(initiative, Role.OBSERVER))

    response = client.get(reverse("guides:guide_detail", args=[initiative.slug, guide.pk]))

    content = response.content.decode()
    assert "Session 1: Part 1" in content
    assert "Welcome" in content
    assert "105" in content
    assert ">120<" in content  # the agenda total
    assert "What brought you here?" in content
    assert "Copy into my initiative" not in content  # observers can't copy
    assert "Move up" not in content


def test_library_page_lists_library_and_own_guides_and_the_nav_tab(client, initiative, member_of):
    library_guide(title="Shipped guide")
    own_guide(initiative)
    own_guide(InitiativeFactory())  # another initiative's guide stays hidden
    client.force_login(member_of(initiative, Role.POLICE_LIAISON))

    response = client.get(reverse("guides:library", args=[initiative.slug]))

    content = response.content.decode()
    assert "Shipped guide" in content
    assert "Our guide" in content
    assert content.count("Our guide") == 1
    assert ">Guides</a>" in content


def test_library_page_empty_state_says_what_to_do(organizer_client, initiative):
    response = organizer_client.get(reverse("guides:library", args=[initiative.slug]))
    assert "copy it into your initiative" in response.content.decode()


def test_library_page_queries_do_not_grow(organizer_client, initiative):
    library_guide(title="A")
    own_guide(initiative, sessions=2)

    def add_rows():
        for n in range(10):
            library_guide(title=f"More {n}", sessions=4)
            own_guide(initiative, sessions=4)

    assert_queries_do_not_grow(
        organizer_client,
        reverse("guides:library", args=[initiative.slug]),
        add_rows,
        limit=12,
    )


def test_guide_detail_queries_do_not_grow(organizer_client, initiative):
    guide = own_guide(initiative, sessions=2)

    def add_rows():
        for position in range(3, 23):
            GuideSessionFactory(guide=guide, position=position)

    assert_queries_do_not_grow(
        organizer_client,
        reverse("guides:guide_detail", args=[initiative.slug, guide.pk]),
        add_rows,
        limit=12,
    )


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

# url name -> (method, permission, which object its pk names). "training" has its own rule.
URL_PERMISSIONS = {
    "library": ("get", "initiative.view", None),
    "guide_detail": ("get", "initiative.view", "library"),
    "guide_copy": ("post", "guides.manage", "library"),
    "guide_edit": ("post", "guides.manage", "own"),
    "guide_delete": ("post", "guides.manage", "own"),
    "guide_session_add": ("post", "guides.manage", "own"),
    "guide_session_edit": ("post", "guides.manage", "session"),
    "guide_session_delete": ("post", "guides.manage", "session"),
    "guide_session_move": ("post", "guides.manage", "session"),
    "training": ("get", None, None),
    "training_add": ("post", "training.manage", None),
    "training_delete": ("post", "training.manage", "training"),
}


def test_every_library_url_has_an_entry():
    from guides.urls import library as library_urls

    assert {p.name for p in library_urls.urlpatterns} == set(URL_PERMISSIONS)


def matrix_setup(initiative):
    trainee = MembershipFactory(initiative=initiative, role=Role.FACILITATOR).user
    own = own_guide(initiative)
    return trainee, {
        "library": library_guide(),
        "own": own,
        "session": own.sessions.get(position=2),
        "training": FacilitatorTrainingFactory(initiative=initiative, user=trainee),
    }


def post_data(url_name, trainee):
    return {
        "guide_edit": {"title_en": "Renamed", "description_en": "", "languages": ["en", "es"]},
        "guide_session_add": {
            "title_en": "New",
            "duration_minutes": "120",
            "agenda_en": "120 | All",
        },
        "guide_session_edit": {"title_en": "Edited", "duration_minutes": "90"},
        "guide_session_move": {"direction": "up"},
        "training_add": {
            "user": trainee.pk,
            "curriculum": "Two-day training",
            "completed_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    }.get(url_name, {})


def snapshot(initiative):
    return (
        sorted(
            DiscussionGuide.objects.filter(initiative=initiative).values_list("title", "languages")
        ),
        sorted(
            GuideSession.objects.values_list("guide_id", "position", "title", "duration_minutes")
        ),
        sorted(FacilitatorTraining.objects.values_list("user_id", "curriculum")),
    )


@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_someone_outside_the_initiative_gets_404(client, initiative, url_name):
    method, _permission, target = URL_PERMISSIONS[url_name]
    trainee, objects = matrix_setup(initiative)
    client.force_login(MembershipFactory(initiative=InitiativeFactory(), role=Role.ORGANIZER).user)
    args = [initiative.slug] + ([objects[target].pk] if target else [])
    before = snapshot(initiative)

    response = getattr(client, method)(
        reverse(f"guides:{url_name}", args=args), post_data(url_name, trainee)
    )

    assert response.status_code == 404
    assert snapshot(initiative) == before


# --- facilitator training ----------------------------------------------------------------------


def test_training_add_records_and_logs_without_the_persons_name(initiative, organizer, member_of):
    trainee = member_of(initiative, Role.RECORDER, display_name="Rosa Recorder")
    record = library_services.training_add(
        user=organizer,
        initiative=initiative,
        trainee=trainee,
        curriculum="  Recorder basics ",
        completed_on=timezone.localdate() - timedelta(days=3),
        trainer="Eastside Mediation",
    )
    assert record.curriculum == "Recorder basics"
    entry = ActivityLogEntry.objects.get(action="training.recorded")
    assert entry.target_label == "Recorder basics"
    assert "Rosa" not in entry.describe()
    assert trainee.email not in entry.describe()


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.ORGANIZER, Role.POLICE_LIAISON])
def test_training_only_for_facilitators_and_recorders(initiative, organizer, member_of, role):
    someone = member_of(initiative, role)
    with pytest.raises(DomainError) as error:
        library_services.training_add(
            user=organizer,
            initiative=initiative,
            trainee=someone,
            curriculum="Basics",
            completed_on=timezone.localdate(),
        )
    assert error.value.field == "user"
    assert not FacilitatorTraining.objects.exists()


def test_training_for_a_facilitator_of_another_initiative_is_refused(
    initiative, other_initiative, organizer, member_of
):
    outsider = member_of(other_initiative, Role.FACILITATOR)
    with pytest.raises(DomainError):
        library_services.training_add(
            user=organizer,
            initiative=initiative,
            trainee=outsider,
            curriculum="Basics",
            completed_on=timezone.localdate(),
        )


def test_training_in_the_future_is_refused(initiative, organizer, member_of):
    trainee = member_of(initiative, Role.FACILITATOR)
    with pytest.raises(DomainError) as error:
        library_services.training_add(
            user=organizer,
            initiative=initiative,
            trainee=trainee,
            curriculum="Basics",
            completed_on=timezone.localdate() + timedelta(days=2),
        )
    assert error.value.field == "completed_on"


def test_training_form_errors_keep_the_input(organizer_client, initiative, member_of):
    observer = member_of(initiative, Role.OBSERVER)
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()

    response = organizer_client.post(
        reverse("guides:training_add", args=[initiative.slug]),
        {"user": observer.pk, "curriculum": "Kept curriculum", "completed_on": tomorrow},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "facilitator or recorder role" in content
    assert "this date is in the future" in content
    assert "Kept curriculum" in content
    assert not FacilitatorTraining.objects.exists()


def test_training_form_rejects_a_garbage_date(organizer_client, initiative, member_of):
    trainee = member_of(initiative, Role.FACILITATOR)
    response = organizer_client.post(
        reverse("guides:training_add", args=[initiative.slug]),
        {"user": trainee.pk, "curriculum": "Basics", "completed_on": "not a date"},
    )
    assert response.status_code == 200
    assert not FacilitatorTraining.objects.exists()


def test_facilitators_see_only_their_own_training(client, initiative, member_of):
    me = member_of(initiative, Role.FACILITATOR, display_name="Fay Facilitator")
    other = member_of(initiative, Role.FACILITATOR, display_name="Olu Other")
    FacilitatorTrainingFactory(initiative=initiative, user=me, curriculum="My curriculum")
    FacilitatorTrainingFactory(initiative=initiative, user=other, curriculum="Their curriculum")
    client.force_login(me)

    content = client.get(reverse("guides:training", args=[initiative.slug])).content.decode()

    assert "My curriculum" in content
    assert "Their curriculum" not in content
    assert "Olu Other" not in content


def test_organizers_see_everyones_training(organizer_client, initiative, member_of):
    for n in range(3):
        FacilitatorTrainingFactory(
            initiative=initiative,
            user=member_of(initiative, Role.FACILITATOR),
            curriculum=f"Curriculum {n}",
        )
    content = organizer_client.get(
        reverse("guides:training", args=[initiative.slug])
    ).content.decode()
    assert all(f"Curriculum {n}" in content for n in range(3))


def test_training_page_queries_do_not_grow(organizer_client, initiative, member_of):
    FacilitatorTrainingFactory(initiative=initiative, user=member_of(initiative, Role.FACILITATOR))

    def add_rows():
        for _n in range(10):
            FacilitatorTrainingFactory(
                initiative=initiative, user=member_of(initiative, Role.RECORDER)
            )

    assert_queries_do_not_grow(
        organizer_client, reverse("guides:training", args=[initiative.slug]), add_rows, limit=12
    )


def test_is_trained_and_untrained_facilitators_in_one_query(
    initiative, other_initiative, member_of, django_assert_num_queries
):
    trained = member_of(initiative, Role.FACILITATOR)
    untrained = member_of(initiative, Role.FACILITATOR)
    trained_elsewhere = member_of(initiative, Role.FACILITATOR)
    FacilitatorTrainingFactory(initiative=initiative, user=trained)
    FacilitatorTrainingFactory(initiative=other_initiative, user=trained_elsewhere)

    assert library_selectors.is_trained(initiative=initiative, user=trained)
    assert not library_selectors.is_trained(initiative=initiative, user=untrained)
    with django_assert_num_queries(1):
        result = library_selectors.untrained_facilitators(
            initiative=initiative, users=[trained, untrained, trained_elsewhere]
        )
    assert result == {untrained, trained_elsewhere}
    assert library_selectors.untrained_facilitators(
        initiative=initiative, users=[trained.pk, untrained.pk]
    ) == {untrained.pk}
    with django_assert_num_queries(0):
        assert library_selectors.untrained_facilitators(initiative=initiative, users=[]) == set()
