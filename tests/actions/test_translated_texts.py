"""The action forum's and teams' texts per language (issue 17 part 3): organizers give ballot
titles, themes, ideas and team descriptions in English and Spanish; a participant votes and reads
the results in their language, or the initiative's first language marked as untranslated."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionTeam, Ballot, BallotItem, BallotKind, Idea, Theme
from actions.services import ideas as idea_services
from dialogue_hub.exceptions import DomainError
from initiatives.models import Role
from participants.services.registration import MANAGE_SALT, make_token

from ..factories import (
    ActionTeamFactory,
    BallotFactory,
    IdeaFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    ThemeFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

MARK_ES = "(en inglés, aún sin traducir)"
MARK_EN = "(in English, not translated yet)"


@pytest.fixture
def bilingual():
    return InitiativeFactory(languages=["en", "es"], is_published=True)


def set_columns(obj, **columns):
    type(obj).objects.filter(pk=obj.pk).update(**columns)
    obj.refresh_from_db()
    return obj


def forum_url(participant):
    return reverse(
        "actions:participant_forum", kwargs={"token": make_token(participant, MANAGE_SALT)}
    )


def open_theme_ballot(initiative):
    ballot = set_columns(
        BallotFactory(initiative=initiative, kind=BallotKind.THEMES),
        title_en="Which themes first?",
        title_es="¿Qué temas primero?",
    )
    youth = set_columns(ThemeFactory(initiative=initiative), name_en="Youth", name_es="Juventud")
    data = set_columns(ThemeFactory(initiative=initiative), name_en="Open data", name_es=None)
    items = [
        BallotItem.objects.create(ballot=ballot, theme=youth, position=0),
        BallotItem.objects.create(ballot=ballot, theme=data, position=1),
    ]
    return ballot, items


# --- what participants read --------------------------------------------------------------------


def test_a_spanish_voter_reads_the_ballot_in_spanish_and_english_items_marked(client, bilingual):
    ballot, _items = open_theme_ballot(bilingual)
    person = ParticipantFactory(initiative=bilingual, preferred_language="es")

    page = client.get(forum_url(person), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "¿Qué temas primero?" in page
    assert "Which themes first?" not in page
    assert "Juventud" in page
    assert ">Youth" not in page
    assert f"Open data {MARK_ES}" in page  # the item's label, plain text with its mark


def test_an_english_voter_reads_the_original_texts_unmarked(client, bilingual):
    open_theme_ballot(bilingual)
    person = ParticipantFactory(initiative=bilingual, preferred_language="en")

    page = client.get(forum_url(person), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Which themes first?" in page
    assert "Youth" in page
    assert "Open data" in page
    assert MARK_EN not in page


def test_the_voting_page_stays_flat_with_ten_times_the_items(client, bilingual):
    ballot, _items = open_theme_ballot(bilingual)
    person = ParticipantFactory(initiative=bilingual, preferred_language="es")

    def add_rows():
        for n in range(20):
            idea = set_columns(IdeaFactory(initiative=bilingual), text_es=f"Idea {n} en español")
            theme = ThemeFactory(initiative=bilingual)
            BallotItem.objects.create(ballot=ballot, theme=theme, position=n + 2)
            IdeaFactory(initiative=bilingual, theme=theme)
            assert idea.pk

    client.cookies["django_language"] = "es"
    assert_queries_do_not_grow(client, forum_url(person), add_rows, limit=12)


def test_the_public_results_give_team_descriptions_in_the_readers_language(client, bilingual):
    set_columns(
        ActionTeamFactory(initiative=bilingual, is_public=True),
        name_en="Youth voice",
        name_es="Voz joven",
        description_en="A youth seat on the police advisory board.",
        description_es="Un lugar para jóvenes en el consejo asesor de la policía.",
    )
    set_columns(
        ActionTeamFactory(initiative=bilingual, is_public=True),
        name_en="Open data",
        name_es=None,
        description_en="Publish stop data every month.",
        description_es=None,
    )
    set_columns(
        IdeaFactory(initiative=bilingual, is_public=True),
        text_en="A basketball league",
        text_es="Una liga de básquetbol",
    )
    url = reverse("actions:results", kwargs={"slug": bilingual.slug})

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Voz joven" in page
    assert "Youth voice" not in page
    assert "Un lugar para jóvenes en el consejo asesor de la policía." in page
    assert "Una liga de básquetbol" in page
    assert '<span lang="en">Open data</span>' in page
    assert "Publish stop data every month." in page
    assert MARK_ES in page
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Youth voice" in english
    assert MARK_EN not in english


def test_the_public_results_stay_flat_with_ten_times_the_teams(client, bilingual):
    url = reverse("actions:results", kwargs={"slug": bilingual.slug})
    first = ActionTeamFactory(initiative=bilingual, is_public=True, description="Some work.")
    first.ideas.add(IdeaFactory(initiative=bilingual, is_public=True))

    def add_rows():
        for _n in range(10):
            team = ActionTeamFactory(initiative=bilingual, is_public=True)
            set_columns(team, description_es="Trabajo.", description_en=None)
            idea = set_columns(IdeaFactory(initiative=bilingual, is_public=True), text_es="Idea")
            team.ideas.add(idea)

    client.cookies["django_language"] = "es"
    assert_queries_do_not_grow(client, url, add_rows, limit=14)


# --- what organizers write ---------------------------------------------------------------------


@pytest.fixture
def organizer_es(client, bilingual):
    """An organizer whose pages are in Spanish: the language must not decide the columns."""
    user = UserFactory()
    MembershipFactory(user=user, initiative=bilingual, role=Role.ORGANIZER)
    client.force_login(user)
    client.cookies["django_language"] = "es"
    return client


def test_the_team_form_saves_each_language_to_its_column(organizer_es, bilingual):
    response = organizer_es.post(
        reverse("actions:team_add", args=[bilingual.slug]),
        {
            "name_en": "Youth voice",
            "name_es": "Voz joven",
            "description_en": "A youth seat.",
            "description_es": "",
            "level": "community",
            "update_every_days": "30",
        },
    )

    assert response.status_code == 302
    team = ActionTeam.objects.get()
    assert (team.name_en, team.name_es) == ("Youth voice", "Voz joven")
    assert (team.description_en, team.description_es) == ("A youth seat.", None)


def test_the_team_name_is_required_in_the_first_language_with_the_input_kept(
    organizer_es, bilingual
):
    response = organizer_es.post(
        reverse("actions:team_add", args=[bilingual.slug]),
        {"name_es": "Voz joven", "level": "community", "update_every_days": "30"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name_en"]
    assert "Voz joven" in response.content.decode()
    assert not ActionTeam.objects.exists()


def test_the_ballot_form_saves_both_titles(organizer_es, bilingual):
    ideas = [IdeaFactory(initiative=bilingual) for _ in range(2)]
    opens = timezone.localtime() + timedelta(days=2)
    response = organizer_es.post(
        reverse("actions:ballot_add", args=[bilingual.slug]),
        {
            "title_en": "Forum night",
            "title_es": "Noche del foro",
            "kind": "ideas",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "dots_per_person": "3",
            "ideas": [ideas[0].pk, ideas[1].pk],
        },
    )

    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.title_en, ballot.title_es) == ("Forum night", "Noche del foro")


def test_theme_and_idea_forms_save_both_languages(organizer_es, bilingual):
    themes = reverse("actions:themes", args=[bilingual.slug])
    assert (
        organizer_es.post(
            themes,
            {"name_en": "Youth", "name_es": "Juventud", "description_en": "Young people"},
        ).status_code
        == 302
    )
    theme = Theme.objects.get()
    assert (theme.name_en, theme.name_es, theme.description_es) == ("Youth", "Juventud", None)

    add = reverse("actions:idea_add", args=[bilingual.slug])
    response = organizer_es.post(add, {"text_en": "A league", "text_es": "Una liga"})
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert (idea.text_en, idea.text_es) == ("A league", "Una liga")


def test_a_theme_name_taken_in_spanish_is_an_error_on_the_spanish_field(organizer_es, bilingual):
    set_columns(ThemeFactory(initiative=bilingual), name_en="Youth", name_es="Juventud")
    response = organizer_es.post(
        reverse("actions:themes", args=[bilingual.slug]),
        {"name_en": "Young people", "name_es": "JUVENTUD"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name_es"]
    assert Theme.objects.count() == 1
    # Two themes without a Spanish name do not clash on an empty one.
    idea_services.theme_create(user=None, initiative=bilingual, name="Trust")
    idea_services.theme_create(user=None, initiative=bilingual, name="Data")
    assert Theme.objects.filter(name_es__isnull=True).count() == 2
    with pytest.raises(DomainError) as refused:
        idea_services.theme_create(user=None, initiative=bilingual, name="trust")
    assert refused.value.field == "name_en"


# --- the ideas list's search, for staff reading Spanish -----------------------------------------


def test_searching_ideas_in_spanish_finds_ideas_written_only_in_english(client, bilingual):
    """modeltranslation rewrites `text__icontains` to the reader's column (`text_es`), NULL for an
    idea not translated yet: a Spanish-reading organizer's search found nothing."""
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=bilingual, role=Role.ORGANIZER)
    english_only = set_columns(
        IdeaFactory(initiative=bilingual), text_en="Night bus to the east side", text_es=None
    )
    both = set_columns(
        IdeaFactory(initiative=bilingual), text_en="Youth league", text_es="Liga juvenil"
    )
    client.force_login(organizer)
    url = reverse("actions:ideas", args=[bilingual.slug])

    def found(query):
        response = client.get(url, {"q": query}, HTTP_ACCEPT_LANGUAGE="es")
        return {idea.pk for idea in response.context["page_obj"]}

    assert found("night bus") == {english_only.pk}
    assert found("juvenil") == {both.pk}
    assert found("youth") == {both.pk}  # the English wording still finds it


# --- lists A–Z as the reader reads them ----------------------------------------------------------


def test_teams_are_listed_a_to_z_as_a_spanish_reader_reads_their_names(client, bilingual):
    """`order_by("name")` is rewritten to `name_es`, NULL for a team not translated yet: those
    came first (SQLite) or last (PostgreSQL) instead of among the others by the name shown."""
    for english, spanish in (("Apple", None), ("Zoo", "Banco"), ("Zebra", None)):
        set_columns(
            ActionTeamFactory(initiative=bilingual, is_public=True),
            name_en=english,
            name_es=spanish,
        )
    person = ParticipantFactory(initiative=bilingual, preferred_language="es")
    pages = [
        reverse("actions:results", kwargs={"slug": bilingual.slug}),
        reverse("actions:participant_teams", kwargs={"token": make_token(person, MANAGE_SALT)}),
    ]
    for url in pages:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        positions = [page.index(name) for name in ("Apple", "Banco", "Zebra")]
        assert positions == sorted(positions), url


def test_one_themes_spanish_name_as_anothers_english_name_is_refused_not_a_server_error():
    """The own `name` column (English, else Spanish) carries the database's unique rule too."""
    initiative = InitiativeFactory(languages=["es", "en"])
    user = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    idea_services.theme_create(user=user, initiative=initiative, name="Jóvenes")  # Spanish only
    with pytest.raises(DomainError) as refused:
        idea_services.theme_create(
            user=user, initiative=initiative, name="Juventud", name_en="Jóvenes"
        )
    assert refused.value.field == "name_en"
    assert Theme.objects.filter(initiative=initiative).count() == 1
