"""One source for each fact: the app states a rule or a list once and every other place uses it.

The app code is parsed (not imported), so a copy anywhere in it is found:
- a single count is hidden from 1 to 9 by `dialogue_hub.privacy.shown_count`, never by a
  module of its own calling `suppress()` on a table of one cell;
- the profile fields a participant may set, and what is kept for a child under 13, are the
  lists in participants/services/registration.py, not a copy of them;
- a link to a page of the app is `reverse()`d and fails loudly when its name is wrong: no
  view catches NoReverseMatch to hide the link instead.
"""

import ast
from pathlib import Path

import pytest

from dialogue_hub.privacy import shown_count, suppress
from participants.services import registration as participant_services

ROOT = Path(__file__).resolve().parents[2]
APPS = ("dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation")


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def where(path: Path, node) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


@pytest.mark.parametrize("count", range(0, 40))
def test_shown_count_is_suppress_on_a_table_of_one_cell(count):
    assert shown_count(count) == suppress({"n": count}).total_value
    assert shown_count(count) == suppress([("n", count)]).cells[0].value
    assert shown_count(count) == (None if 0 < count < 10 else count)


def test_no_module_suppresses_a_single_count_itself():
    offences = [
        where(path, node)
        for path, tree in app_modules()
        if path != ROOT / "dialogue_hub" / "privacy.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "suppress"
        and node.args
        and isinstance(node.args[0], ast.List | ast.Tuple | ast.Dict)
        and len(getattr(node.args[0], "elts", None) or getattr(node.args[0], "keys", [])) == 1
    ]
    assert offences == [], "use dialogue_hub.privacy.shown_count for a single count"


def _strings(node) -> tuple | None:
    if (
        isinstance(node, ast.List | ast.Tuple | ast.Set)
        and node.elts
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    ):
        return tuple(e.value for e in node.elts)
    return None


@pytest.mark.parametrize("name", ["PROFILE_FIELDS", "UNDER_13_FIELDS", "DEMOGRAPHIC_FIELDS"])
def test_participant_field_lists_are_stated_once(name):
    fields = set(getattr(participant_services, name))
    home = ROOT / "participants" / "services" / "registration.py"
    copies = [
        where(path, node)
        for path, tree in app_modules()
        for node in ast.walk(tree)
        if (strings := _strings(node)) is not None and set(strings) == fields
    ]
    assert len(copies) == 1, copies
    assert copies[0].startswith(str(home.relative_to(ROOT))), copies


def test_no_view_hides_a_link_when_its_url_name_is_wrong():
    offences = [
        where(path, handler)
        for path, tree in app_modules()
        for handler in ast.walk(tree)
        if isinstance(handler, ast.ExceptHandler)
        and handler.type is not None
        and "NoReverseMatch" in ast.unparse(handler.type)
    ]
    assert offences == []


# --- "one of the choices" check constraints -------------------------------------------------------


def choice_constraints():
    """(model, field name, allowed values) of every check constraint that reads `field__in=…`."""
    from django.apps import apps
    from django.db.models import CheckConstraint

    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            children = constraint.condition.children
            if len(children) == 1 and isinstance(children[0], tuple):
                lookup, values = children[0]
                if lookup.endswith("__in"):
                    yield model, lookup.removesuffix("__in"), list(values)


def test_every_choice_constraint_allows_exactly_the_fields_choices():
    found = list(choice_constraints())
    assert len(found) >= 9
    for model, field_name, values in found:
        field = model._meta.get_field(field_name)
        assert values == [value for value, _label in field.choices], (model, field_name)


def test_choice_constraints_are_written_with_the_one_helper():
    # one_of_the_choices (dialogue_hub/models.py) states them; no models.py spells one out.
    spelled = []
    for path in ROOT.glob("*/models.py"):
        text = path.read_text(encoding="utf-8")
        if "__in=" in text and "CheckConstraint(" in text:
            for line in text.splitlines():
                if "__in=" in line and "condition" in line:
                    spelled.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert not spelled, spelled
