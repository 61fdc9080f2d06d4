"""The list-page helpers: choice labels resolved once per language, one reverse() per list."""

import pytest
from django.urls import reverse
from django.utils import translation

from dialogue_hub.templatetags.choices import choice_label_of
from dialogue_hub.urls_fast import url_for_each
from participants.models import Participant, RoleCategory, Status

pytestmark = pytest.mark.django_db


def test_choice_label_is_what_get_display_shows_in_each_language():
    person = Participant(role_category=RoleCategory.SWORN_OFFICER, status=Status.WAITLISTED)
    for language in ("en", "es"):
        with translation.override(language):
            assert choice_label_of(person, "role_category") == person.get_role_category_display()
            assert choice_label_of(person, "status") == person.get_status_display()
    with translation.override("en"):
        english = choice_label_of(person, "status")
    with translation.override("es"):
        assert choice_label_of(person, "status") != english  # not the first language's label


def test_choice_label_of_a_value_outside_the_choices_is_the_value():
    assert choice_label_of(Participant(role_category="retired"), "role_category") == "retired"


def test_url_for_each_matches_reverse():
    ids = [1, 22, 333, 987654]
    urls = url_for_each("participants:participant", ["riverton"], ids)
    assert urls == {pk: reverse("participants:participant", args=["riverton", pk]) for pk in ids}
    assert url_for_each("participants:participant", ["riverton"], []) == {}
