"""Invisible characters in what people send and in what we show of it.

Two kinds of characters are never meant for us:

- C0 control characters (U+0000–U+001F but tab, line feed and carriage return). PostgreSQL
  cannot store a NUL at all (a NUL reaching a query is a server error), and the others are
  never typed. Query strings and paths holding one are refused with a 400 page
  (middleware.RefuseControlCharactersMiddleware); forms refuse a NUL with a field error
  (Django's ProhibitNullCharactersValidator) and drop the other controls from one-line fields.
- Bidirectional controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates,
  U+200E/U+200F and U+061C marks). A U+202E (right-to-left override) in a name makes the
  name — and whatever the page or the email writes after it on the same line — display
  backwards, e.g. to disguise a file name or a link. One-line fields drop all but the marks on the way in
  (`clean_line`, applied to every form's one-line text field by `install_form_cleaning`);
  what is shown is isolated on the way out (`isolate`, the `bdi` template filter,
  `neutralize` for whole HTML pages and emails, `csv_cell` for CSV exports), so text stored
  before still cannot reorder what follows it.
"""

import re

from django import forms

# C0 controls a browser never sends in a link or a one-line field: all but \t \n \r.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Every control of the Unicode bidirectional algorithm.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# The ones that open or close an embedding, override or isolate (the marks do not).
BIDI_EMBEDDINGS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_OPENERS = {"\u202a", "\u202b", "\u202d", "\u202e"}  # closed by PDF
_ISOLATE_OPENERS = {"\u2066", "\u2067", "\u2068"}  # closed by PDI
PDF, FSI, PDI = "\u202c", "\u2068", "\u2069"
_OVERRIDES = re.compile("[\u202a-\u202e]")
_ISOLATES = re.compile("[\u2066-\u2069]")
_ISOLATE_CHARS = {"\u2066", "\u2067", "\u2068", "\u2069"}
_TEXT_PIECES = re.compile(r"[^<>]+")
# Everything a one-line field drops (NUL stays, for the form to refuse with a field error).
# The marks (U+200E, U+200F, U+061C) stay: they reach no further than themselves, and real
# Arabic and Hebrew names use them.
_LINE_DROPPED = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def clean_line(value):
    """A one-line text as stored: without embeddings, overrides, isolates or control
    characters (line breaks and tabs become a space). Anything but a str is returned as it is."""
    if not isinstance(value, str):
        return value
    return _LINE_DROPPED.sub("", _LINE_BREAKS.sub(" ", value))


def balanced(value: str) -> str:
    """`value` with every embedding, override and isolate it opens closed at its end, and
    every close it has no opener for dropped: it cannot reach past itself."""
    stack, out = [], []
    for char in value:
        if char in _OPENERS or char in _ISOLATE_OPENERS:
            stack.append(char)
        elif char == PDF:
            if not stack or stack[-1] not in _OPENERS:
                continue  # a PDF closes nothing, or would close across an isolate
            stack.pop()
        elif char == PDI:
            if not any(c in _ISOLATE_OPENERS for c in stack):
                continue
            while stack.pop() not in _ISOLATE_OPENERS:
                pass  # a PDI closes the embeddings opened inside its isolate too
        out.append(char)
    closers = [PDI if c in _ISOLATE_OPENERS else PDF for c in reversed(stack)]
    return "".join(out) + "".join(closers)


def isolate(value) -> str:
    """A person's text to be written among other text: when it holds bidirectional
    controls, wrapped in first-strong isolate … pop directional isolate (U+2068 … U+2069),
    balanced inside, so it cannot reorder what follows. Other text is returned unchanged."""
    text = "" if value is None else str(value)
    if BIDI_EMBEDDINGS.search(text) is None:
        return text
    return FSI + balanced(text) + PDI


def _neutral_piece(piece: str) -> str:
    piece = _OVERRIDES.sub("", piece)
    if _ISOLATES.search(piece) is None:
        return piece
    # Keep the isolates that open and close here (ours, from `isolate`, or a person's own),
    # drop any that would reach past this piece of text.
    kept, opened = [], []
    for i, char in enumerate(piece):
        if char in _ISOLATE_OPENERS:
            opened.append(i)
        elif char == PDI and opened:
            kept += [opened.pop(), i]
    drop = {i for i, char in enumerate(piece) if char in _ISOLATE_CHARS} - set(kept)
    return "".join(char for i, char in enumerate(piece) if i not in drop)


def neutralize(text: str) -> str:
    """A whole rendered page, email or export as sent: every embedding and override dropped,
    and every isolate that does not close within its own piece of text (between two tags)
    dropped too, so nothing a person typed can reorder what the page writes after it. Text
    without them is returned unchanged (the common case costs one search)."""
    if BIDI_EMBEDDINGS.search(text) is None:
        return text
    return _TEXT_PIECES.sub(lambda m: _neutral_piece(m.group(0)), text)


def csv_cell(value) -> str:
    """A cell of an exported CSV: without bidirectional embeddings, overrides or isolates (a
    spreadsheet shows no isolation), and never a formula a spreadsheet would run (CSV
    injection: a cell starting = + - @, a tab or a carriage return gets a leading ')."""
    text = "" if value is None else BIDI_EMBEDDINGS.sub("", str(value))
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# --- every form's one-line text fields ----------------------------------------------------------

_MULTI_LINE_WIDGETS = (forms.Textarea, forms.PasswordInput)


def _line_to_python(original):
    def to_python(self, value):
        value = original(self, value)
        if isinstance(self.widget, _MULTI_LINE_WIDGETS):
            return value
        return clean_line(value)

    to_python.__doc__ = original.__doc__
    to_python.dialogue_hub_cleans_lines = True
    return to_python


def install_form_cleaning() -> None:
    """Every one-line text field of every form — ours, allauth's sign-up and the admin's —
    drops bidirectional controls and control characters (see `clean_line`) before it is
    validated. Multi-line fields (a textarea) keep them (a NUL is still refused), and are
    isolated where they are shown; passwords are left as typed. Called once, from
    DialogueHubConfig.ready(): one place rather than a mixin every form must remember."""
    if getattr(forms.CharField.to_python, "dialogue_hub_cleans_lines", False):
        return
    forms.CharField.to_python = _line_to_python(forms.CharField.to_python)
