"""dialogue_hub/text.py: one-line texts lose bidirectional and control characters; shown text
is isolated or neutralized so it cannot reorder what follows it."""

import pytest
from django import forms

from dialogue_hub.text import balanced, clean_line, csv_cell, isolate, neutralize

RLO, PDF, LRI, FSI, PDI = "\u202e", "\u202c", "\u2066", "\u2068", "\u2069"


def test_one_line_text_loses_bidi_and_control_characters_but_keeps_a_nul_to_refuse():
    assert clean_line(f"Ana{RLO} Torres{LRI}\x01\x1b") == "Ana Torres"
    # Marks reach no further than themselves; names written right to left use them.
    assert clean_line("\u05d3\u05e0\u05d4\u200f (3)") == "\u05d3\u05e0\u05d4\u200f (3)"
    assert clean_line("two\nlines\tand a tab") == "two lines and a tab"
    assert clean_line("a\x00b") == "a\x00b"  # the form's validator says so: a field error
    assert clean_line(None) is None


def test_every_forms_one_line_field_drops_them_and_a_textarea_keeps_its_lines():
    assert forms.CharField().clean(f"Ana{RLO}evil") == "Anaevil"
    assert forms.EmailField().clean(f"{RLO}ana@example.net") == "ana@example.net"
    assert forms.CharField(widget=forms.Textarea).clean("one\ntwo") == "one\ntwo"
    with pytest.raises(forms.ValidationError, match="Null characters"):
        forms.CharField().clean("a\x00b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"a{RLO}b", f"a{RLO}b{PDF}"),  # an open override is closed at the end
        (f"a{PDF}b", "ab"),  # a close without an opener is dropped
        (f"{LRI}a{RLO}b{PDI}c{PDI}", f"{LRI}a{RLO}b{PDI}c"),  # PDI closes inside too
    ],
)
def test_balanced_text_cannot_reach_past_itself(text, expected):
    assert balanced(text) == expected


def test_isolate_wraps_only_text_with_bidi_controls():
    assert isolate("Ana") == "Ana"
    assert isolate(f"Ana{RLO}x{PDI}") == f"{FSI}Ana{RLO}x{PDF}{PDI}"


def test_neutralize_drops_overrides_and_isolates_that_reach_past_their_text():
    page = f"<td>Ana{RLO}evil</td><td>{FSI}kept{PDI} {LRI}open</td>"
    assert neutralize(page) == f"<td>Anaevil</td><td>{FSI}kept{PDI} open</td>"
    assert neutralize("<p>plain</p>") == "<p>plain</p>"


def test_csv_cell_drops_overrides_before_it_guards_against_formulas():
    assert csv_cell(f"{RLO}=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert csv_cell(f"Ana{RLO}") == "Ana"
    assert csv_cell(None) == ""
