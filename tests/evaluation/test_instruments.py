"""The survey library: copying a survey into an initiative, adapting the copy, a new version
once people answered, locked compared questions, the library read-only, who may do what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from evaluation.library import library_instrument
from evaluation.models import Instrument, Response, Wave
from evaluation.services.instruments import instrument_copy, instrument_update
from initiatives.models import ActivityLogEntry, Role

pytestmark = pytest.mark.django_db


def library(slug="community-police-trust"):
    return library_instrument(slug)


def rows_of(instrument):
    return [
        {
            "id": item.pk,
            "key": item.key,
            "audience": item.audience,
            "kind": item.kind,
            "scale": item.scale,
            "text_en": item.text_en,
            "text_es": item.text_es,
            "compared": item.compared,
        }
        for item in instrument.items.order_by("position")
    ]


def answer(instrument, wave_kind="pre"):
    wave = Wave.objects.create(
        initiative=instrument.initiative, kind=wave_kind, instrument=instrument
    )
    Response.objects.create(
        wave=wave,
        instrument=instrument,
        respondent="a" * 40,
        group="resident",
        source="online",
        submitted_on=timezone.localdate(),
    )
    return wave


@pytest.fixture
def copy(initiative, organizer):
    return instrument_copy(instrument=library(), initiative=initiative, actor=organizer)


def test_copy_is_a_deep_copy_into_the_initiative(initiative, organizer, copy):
    source = library()
    assert copy.initiative == initiative
    assert copy.copied_from == source
    assert copy.version == 1
    assert rows_of(copy) != rows_of(source)  # new item ids
    strip = lambda rows: [{k: v for k, v in r.items() if k != "id"} for r in rows]  # noqa: E731
    assert strip(rows_of(copy)) == strip(rows_of(source))
    assert source.items.count() == 15  # the library keeps its own
    assert ActivityLogEntry.objects.filter(
        initiative=initiative, action="evaluation.instrument_copied"
    ).exists()


def test_another_initiatives_survey_cannot_be_copied(other_initiative, organizer, copy):
    with pytest.raises(DomainError):
        instrument_copy(instrument=copy, initiative=other_initiative, actor=organizer)


def test_library_survey_is_read_only(organizer):
    source = library()
    with pytest.raises(DomainError, match="Library surveys cannot be changed"):
        instrument_update(
            instrument=source, data={"title": "Mine"}, items=rows_of(source), actor=organizer
        )
    assert library().title != "Mine"


def test_unanswered_copy_is_changed_in_place(organizer, copy):
    rows = rows_of(copy)
    rows[0]["text_en"] = "Police here treat people fairly."
    rows.reverse()  # reorder
    rows.pop(0)  # remove the (last) comment question
    rows.append(
        {
            "id": None,
            "key": "safe_street",
            "audience": "community",
            "kind": "agreement",
            "scale": "",
            "text_en": "I feel safe on my street.",
            "text_es": "Me siento seguro en mi calle.",
            "compared": False,
        }
    )
    result = instrument_update(
        instrument=copy,
        data={"title": "Our survey", "description": "Adapted"},
        items=rows,
        actor=organizer,
    )
    assert result.pk == copy.pk
    copy.refresh_from_db()
    assert copy.title == "Our survey"
    assert copy.version == 1
    keys = list(copy.items.order_by("position").values_list("key", "audience"))
    assert keys[0] == ("work_together", "police")
    assert keys[-1] == ("safe_street", "community")
    assert ("comment", "everyone") not in keys
    assert (
        copy.items.get(key="fair", audience="community").text_en
        == "Police here treat people fairly."
    )


def test_duplicate_key_for_the_same_people_is_refused_on_the_field(organizer, copy):
    rows = rows_of(copy)
    rows[1]["key"] = rows[0]["key"]  # both resident questions
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=copy, data={"title": "T"}, items=rows, actor=organizer)
    assert refused.value.field == "items-1-key"


def test_answered_survey_changes_make_a_new_version(organizer, copy):
    wave = answer(copy)
    rows = rows_of(copy)
    comment = next(r for r in rows if r["key"] == "comment")
    comment["text_en"] = "Anything else?"
    rows.append(
        {
            "id": None,
            "key": "extra",
            "audience": "everyone",
            "kind": "agreement",
            "scale": "",
            "text_en": "An extra question.",
            "text_es": "Una pregunta más.",
            "compared": False,
        }
    )
    newer = instrument_update(
        instrument=copy, data={"title": copy.title}, items=rows, actor=organizer
    )
    assert newer.pk != copy.pk
    assert newer.version == 2
    copy.refresh_from_db()
    assert copy.replaced_by == newer
    # What people answered is untouched; the wave asks the new version.
    assert copy.items.count() == 15
    assert copy.items.get(key="comment").text_en != "Anything else?"
    assert newer.items.count() == 16
    assert newer.items.get(key="comment").text_en == "Anything else?"
    wave.refresh_from_db()
    assert wave.instrument == newer
    assert Response.objects.get().instrument == copy
    # The earlier version is not edited again.
    with pytest.raises(DomainError, match="earlier version"):
        instrument_update(
            instrument=copy, data={"title": "x"}, items=rows_of(copy), actor=organizer
        )


@pytest.mark.parametrize("field", ["key", "text_en", "text_es", "scale", "audience"])
def test_compared_question_of_an_answered_survey_is_locked(organizer, copy, field):
    answer(copy)
    rows = rows_of(copy)
    new = {
        "key": "changed",
        "text_en": "Changed",
        "text_es": "Cambiada",
        "scale": "other",
        "audience": "everyone",
    }[field]
    rows[2][field] = new
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=organizer)
    assert refused.value.field == f"items-2-{field}"
    assert Instrument.objects.filter(initiative=copy.initiative).count() == 1


def test_compared_question_of_an_answered_survey_cannot_be_removed(organizer, copy):
    answer(copy)
    rows = rows_of(copy)[1:]
    with pytest.raises(DomainError, match="cannot be removed"):
        instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=organizer)


def test_unchanged_save_of_an_answered_survey_makes_no_version(organizer, copy):
    answer(copy)
    same = instrument_update(
        instrument=copy,
        data={"title": copy.title, "description": copy.description},
        items=rows_of(copy),
        actor=organizer,
    )
    assert same.pk == copy.pk
    assert Instrument.objects.filter(initiative=copy.initiative).count() == 1


# --- pages -----------------------------------------------------------------------------------


def url(name, initiative, pk=None):
    args = [initiative.slug] + ([pk] if pk else [])
    return reverse(f"evaluation:{name}", args=args)


def form_data(instrument, changes=None):
    items = list(instrument.items.order_by("position"))
    data = {
        "title": instrument.title,
        "description": instrument.description,
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "60",
    }
    for n, item in enumerate(items):
        data.update(
            {
                f"items-{n}-id": item.pk,
                f"items-{n}-position": item.position,
                f"items-{n}-key": item.key,
                f"items-{n}-audience": item.audience,
                f"items-{n}-kind": item.kind,
                f"items-{n}-scale": item.scale,
                f"items-{n}-text_en": item.text_en,
                f"items-{n}-text_es": item.text_es,
            }
        )
        if item.compared:
            data[f"items-{n}-compared"] = "on"
    data.update(changes or {})
    return data


def test_list_shows_library_and_own_surveys_with_their_state(
    initiative, organizer_client, copy, django_assert_max_num_queries
):
    answer(copy)
    for _ in range(3):
        instrument_copy(
            instrument=library("after-session-feedback"), initiative=initiative, actor=None
        )
    with django_assert_max_num_queries(12):
        page = organizer_client.get(url("instruments", initiative))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Community–police trust survey" in html
    assert "After-session feedback" in html
    assert "Answered" in html
    assert "No answers yet" in html
    assert "Asked in: Before the dialogues" in html
    # Queries do not grow with the number of surveys.
    for _ in range(5):
        instrument_copy(instrument=library(), initiative=initiative, actor=None)
    with django_assert_max_num_queries(12):
        organizer_client.get(url("instruments", initiative))


def test_detail_shows_both_versions_in_english_and_spanish(initiative, organizer_client):
    page = organizer_client.get(url("instrument_detail", initiative, library().pk))
    html = page.content.decode()
    assert "Resident version" in html
    assert "Police and officials version" in html
    assert "Police in my community treat people fairly." in html
    assert "La policía de mi comunidad trata a las personas con justicia." in html
    assert "Residents of this community treat officers and officials fairly." in html
    assert "Library survey (read-only)" in html


def test_copy_button_copies_and_opens_the_copy(initiative, organizer_client):
    page = organizer_client.post(url("instrument_copy", initiative, library().pk))
    copy = Instrument.objects.get(initiative=initiative)
    assert page.status_code == 302
    assert page["Location"] == url("instrument_detail", initiative, copy.pk)


def test_library_survey_has_no_edit_page(initiative, organizer_client):
    assert organizer_client.get(url("instrument_edit", initiative, library().pk)).status_code == 404


def test_other_initiatives_survey_is_404(other_initiative, organizer_client, member_of):
    theirs = instrument_copy(instrument=library(), initiative=other_initiative, actor=None)
    initiative = organizer_client  # noqa: F841
    for name in ("instrument_detail", "instrument_edit"):
        page = organizer_client.get(
            reverse(f"evaluation:{name}", args=[other_initiative.slug, theirs.pk])
        )
        assert page.status_code == 404


def test_edit_form_opens_with_what_is_stored_and_round_trips(initiative, organizer_client, copy):
    page = organizer_client.get(url("instrument_edit", initiative, copy.pk))
    html = page.content.decode()
    assert f'value="{copy.title}"' in html
    assert "Police in my community treat people fairly." in html
    before = rows_of(copy)
    saved = organizer_client.post(url("instrument_edit", initiative, copy.pk), form_data(copy))
    assert saved.status_code == 302
    assert rows_of(copy) == before


def test_edit_adds_a_question_from_the_blank_row(initiative, organizer_client, copy):
    n = copy.items.count()
    organizer_client.post(
        url("instrument_edit", initiative, copy.pk),
        form_data(
            copy,
            {
                f"items-{n}-key": "new_q",
                f"items-{n}-audience": "everyone",
                f"items-{n}-kind": "agreement",
                f"items-{n}-text_en": "New?",
                f"items-{n}-text_es": "¿Nueva?",
            },
        ),
    )
    assert copy.items.filter(key="new_q").exists()


def test_edit_error_is_shown_next_to_the_field_with_what_was_typed(
    initiative, organizer_client, copy
):
    page = organizer_client.post(
        url("instrument_edit", initiative, copy.pk),
        form_data(copy, {"items-1-key": "fair", "title": "Typed title"}),
    )
    assert page.status_code == 200
    row = page.context["form"].items.forms[1]
    assert "key" in row.errors
    assert 'value="Typed title"' in page.content.decode()
    assert copy.items.filter(key="listen", audience="community").exists()


def test_locked_questions_are_shown_read_only_and_kept(initiative, organizer_client, copy):
    answer(copy)
    page = organizer_client.get(url("instrument_edit", initiative, copy.pk))
    html = page.content.decode()
    assert "Only its order can change" in html
    assert 'name="items-0-text_en"' in html
    assert "disabled" in html
    # A posted change to a locked question is ignored (the field is disabled); the comment's
    # new wording makes version 2.
    data = form_data(copy, {"items-0-text_en": "Tampered", "items-14-text_en": "Anything else?"})
    organizer_client.post(url("instrument_edit", initiative, copy.pk), data)
    newer = Instrument.objects.get(initiative=initiative, version=2)
    assert newer.items.get(key="fair", audience="community").text_en == (
        "Police in my community treat people fairly."
    )
    assert newer.items.get(key="comment").text_en == "Anything else?"


@pytest.mark.parametrize(
    ("role", "view", "manage"),
    [
        (Role.ORGANIZER, 200, True),
        (Role.COALITION_LEAD, 200, False),
        (Role.DATA_STEWARD, 200, False),
        (Role.POLICE_LIAISON, 200, False),
        (Role.FACILITATOR, 403, False),
        (Role.OBSERVER, 403, False),
    ],
)
def test_permissions(initiative, member_of, client, role, view, manage):
    client.force_login(member_of(initiative, role))
    assert client.get(url("instruments", initiative)).status_code == view
    assert client.get(url("instrument_detail", initiative, library().pk)).status_code == view
    copied = client.post(url("instrument_copy", initiative, library().pk))
    assert (copied.status_code == 302) == manage
    assert Instrument.objects.filter(initiative=initiative).exists() == manage
    if manage:
        mine = Instrument.objects.get(initiative=initiative)
        assert client.get(url("instrument_edit", initiative, mine.pk)).status_code == 200
    else:
        assert copied.status_code == 403


def test_detail_page_queries_do_not_grow_with_questions(
    initiative, organizer_client, copy, django_assert_max_num_queries
):
    answer(copy)
    with django_assert_max_num_queries(12):
        organizer_client.get(url("instrument_detail", initiative, copy.pk))
    rows = rows_of(copy)
    rows += [
        {
            "id": None,
            "key": f"extra{n}",
            "audience": "everyone",
            "kind": "agreement",
            "scale": "",
            "text_en": f"Extra {n}",
            "text_es": f"Extra {n}",
            "compared": False,
        }
        for n in range(20)
    ]
    newer = instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=None)
    with django_assert_max_num_queries(12):
        page = organizer_client.get(url("instrument_detail", initiative, newer.pk))
    assert "Extra 19" in page.content.decode()


def test_removing_a_question_from_the_page(initiative, organizer_client, copy):
    organizer_client.post(
        url("instrument_edit", initiative, copy.pk), form_data(copy, {"items-14-DELETE": "on"})
    )
    assert not copy.items.filter(key="comment").exists()
    assert copy.items.count() == 14


def test_removing_a_locked_question_from_the_page_is_refused(initiative, organizer_client, copy):
    answer(copy)
    page = organizer_client.post(
        url("instrument_edit", initiative, copy.pk), form_data(copy, {"items-0-DELETE": "on"})
    )
    assert page.status_code == 200
    assert Instrument.objects.filter(initiative=initiative).count() == 1
    assert copy.items.count() == 15
    assert "cannot be removed" in page.content.decode()


# --- locks follow the survey through its versions ----------------------------------------------


def new_row(key, scale="", compared=False, audience="everyone"):
    return {
        "id": None,
        "key": key,
        "audience": audience,
        "kind": "agreement",
        "scale": scale,
        "text_en": f"{key}?",
        "text_es": f"¿{key}?",
        "compared": compared,
    }


def version_two(organizer, copy):
    """v1 answered in the pre wave; a harmless edit (the comment reworded) makes v2."""
    answer(copy)
    rows = rows_of(copy)
    next(r for r in rows if r["key"] == "comment")["text_en"] = "Anything else?"
    newer = instrument_update(
        instrument=copy, data={"title": copy.title}, items=rows, actor=organizer
    )
    assert newer.version == 2
    return newer


def fair_index(rows):
    return next(i for i, r in enumerate(rows) if (r["key"], r["audience"]) == ("fair", "community"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text_en", "The police are terrible."),
        ("text_es", "La policía es terrible."),
        ("key", "fair_renamed"),
        ("scale", "trust"),
        ("audience", "everyone"),
        ("compared", False),
    ],
)
def test_reviewers_repro_compared_question_stays_locked_in_an_unanswered_later_version(
    organizer, copy, field, value
):
    newer = version_two(organizer, copy)
    rows = rows_of(newer)
    index = fair_index(rows)
    rows[index][field] = value
    with pytest.raises(DomainError) as refused:
        instrument_update(
            instrument=newer, data={"title": newer.title}, items=rows, actor=organizer
        )
    assert refused.value.field == f"items-{index}-{field}"
    assert newer.items.get(key="fair", audience="community").text_en == (
        "Police in my community treat people fairly."
    )
    assert Instrument.objects.filter(initiative=copy.initiative).count() == 2


def test_reviewers_repro_compared_question_cannot_be_removed_from_a_later_version(organizer, copy):
    newer = version_two(organizer, copy)
    rows = rows_of(newer)
    rows.pop(fair_index(rows))
    with pytest.raises(DomainError, match="cannot be removed"):
        instrument_update(
            instrument=newer, data={"title": newer.title}, items=rows, actor=organizer
        )
    assert newer.items.filter(key="fair", audience="community").exists()


def test_locks_follow_the_whole_chain_of_versions(organizer, copy):
    newer = version_two(organizer, copy)
    answer_v2 = rows_of(newer)
    answer_v2.append(new_row("extra"))
    # v2 has no answers: edited in place, no v3.
    same = instrument_update(
        instrument=newer, data={"title": newer.title}, items=answer_v2, actor=organizer
    )
    assert same.pk == newer.pk
    assert Instrument.objects.filter(initiative=copy.initiative).count() == 2
    # Answers to v2 make v3; v3 (unanswered) is still locked by v1's and v2's answers.
    answer(newer, "post")
    rows = rows_of(newer)
    rows[-1]["text_en"] = "Extra, reworded?"
    third = instrument_update(
        instrument=newer, data={"title": newer.title}, items=rows, actor=organizer
    )
    assert third.version == 3
    rows = rows_of(third)
    rows[fair_index(rows)]["text_en"] = "The police are terrible."
    with pytest.raises(DomainError):
        instrument_update(
            instrument=third, data={"title": third.title}, items=rows, actor=organizer
        )


def test_unanswered_later_version_may_change_its_other_questions_in_place(organizer, copy):
    newer = version_two(organizer, copy)
    rows = rows_of(newer)
    next(r for r in rows if r["key"] == "comment")["text_en"] = "Anything more?"
    rows.append(new_row("safety", scale="safety"))
    same = instrument_update(
        instrument=newer, data={"title": newer.title}, items=rows, actor=organizer
    )
    assert same.pk == newer.pk
    assert newer.items.get(key="comment").text_en == "Anything more?"
    assert newer.items.filter(key="safety", scale="safety").exists()


@pytest.mark.parametrize("later_version", [False, True])
def test_no_question_can_become_compared_once_answered(organizer, copy, later_version):
    rows = rows_of(copy) + [new_row("extra")]
    copy = instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=None)
    survey = version_two(organizer, copy) if later_version else copy
    if not later_version:
        answer(survey)
    # An existing question switched to compared, in the same save as its rewording.
    rows = rows_of(survey)
    index = next(i for i, r in enumerate(rows) if r["key"] == "extra")
    rows[index].update(compared=True, text_en="Reworded, and now compared?")
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=survey, data={"title": survey.title}, items=rows, actor=None)
    assert refused.value.field == f"items-{index}-compared"
    # A new question cannot be compared either.
    rows = rows_of(survey) + [new_row("brand_new", compared=True)]
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=survey, data={"title": survey.title}, items=rows, actor=None)
    assert refused.value.field == f"items-{len(rows) - 1}-compared"
    assert not survey.items.filter(compared=True, key__in=["extra", "brand_new"]).exists()


def test_unanswered_survey_may_still_make_questions_compared(copy):
    rows = rows_of(copy) + [new_row("extra", scale="trust", compared=True)]
    instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=None)
    assert copy.items.get(key="extra").compared


@pytest.mark.parametrize("later_version", [False, True])
def test_new_or_changed_question_cannot_join_a_compared_scale_once_answered(
    organizer, copy, later_version
):
    rows = rows_of(copy) + [new_row("extra")]
    copy = instrument_update(instrument=copy, data={"title": copy.title}, items=rows, actor=None)
    survey = version_two(organizer, copy) if later_version else copy
    if not later_version:
        answer(survey)
    # A new question in the trust scale.
    rows = rows_of(survey) + [new_row("trust_more", scale="trust")]
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=survey, data={"title": survey.title}, items=rows, actor=None)
    assert refused.value.field == f"items-{len(rows) - 1}-scale"
    # An existing non-compared question moved into the procedural justice scale.
    rows = rows_of(survey)
    index = next(i for i, r in enumerate(rows) if r["key"] == "extra")
    rows[index]["scale"] = "procedural_justice"
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=survey, data={"title": survey.title}, items=rows, actor=None)
    assert refused.value.field == f"items-{index}-scale"
    assert not survey.items.filter(key__in=["extra", "trust_more"]).exclude(scale="").exists()
    # A scale of its own is fine.
    rows[index]["scale"] = "safety"
    instrument_update(instrument=survey, data={"title": survey.title}, items=rows, actor=None)


def test_answered_feedback_in_an_earlier_version_locks_too(organizer, initiative):
    from evaluation.models import Feedback

    from ..factories import CircleSessionFactory

    form = instrument_copy(
        instrument=library("after-session-feedback"), initiative=initiative, actor=organizer
    )
    Feedback.objects.create(meeting=CircleSessionFactory(), instrument=form)
    rows = rows_of(form)
    rows[-1]["text_en"] = "Anything else?"
    newer = instrument_update(instrument=form, data={"title": form.title}, items=rows, actor=None)
    assert newer.version == 2
    rows = rows_of(newer)
    rows[0]["text_en"] = "Changed"
    with pytest.raises(DomainError) as refused:
        instrument_update(instrument=newer, data={"title": newer.title}, items=rows, actor=None)
    assert refused.value.field == "items-0-text_en"


def test_later_version_shows_locked_rows_read_only(initiative, organizer_client, organizer, copy):
    newer = version_two(organizer, copy)
    page = organizer_client.get(url("instrument_edit", initiative, newer.pk))
    assert page.status_code == 200
    locked = [row for row in page.context["form"].items.forms if row.locked]
    assert len(locked) == 14
    assert "disabled" in page.content.decode()
    # A posted change to a locked row is ignored; the rest is saved in place.
    index = fair_index(rows_of(newer))
    data = form_data(
        newer,
        {f"items-{index}-text_en": "The police are terrible.", "items-14-text_en": "More?"},
    )
    saved = organizer_client.post(url("instrument_edit", initiative, newer.pk), data)
    assert saved.status_code == 302
    assert Instrument.objects.filter(initiative=initiative).count() == 2
    assert newer.items.get(key="fair", audience="community").text_en == (
        "Police in my community treat people fairly."
    )
    assert newer.items.get(key="comment").text_en == "More?"
    detail = organizer_client.get(url("instrument_detail", initiative, newer.pk))
    assert "Locked" in detail.content.decode()
