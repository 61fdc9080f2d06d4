"""No template or Python file turns off HTML escaping for anything a person typed.

The scan fails on every `|safe`, `|safeseq`, `{% autoescape off %}`, `mark_safe(`, `SafeString`,
`SafeData`, `format_html(` / `format_html_join(` and `html_safe` in templates/ and the apps,
unless the use is on the reviewed ALLOWLIST below (file + the exact line), each with the reason
it carries no user data. A new use is a review: add it here with its reason, or don't write it.

The plain-text email engine ("text" in settings.TEMPLATES) has autoescape off by design: it
renders text/plain bodies and subjects, where there is no HTML to break. The tests below prove
it only ever renders .txt email templates, and that no view answers with a .txt template.
"""

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

BASE = Path(settings.BASE_DIR)
APPS = ("dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation")

TEMPLATE_PATTERNS = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off\s*%}"),
}
PYTHON_PATTERNS = {
    "mark_safe": re.compile(r"\bmark_safe\s*\("),
    "SafeString": re.compile(r"\bSafe(String|Data|Text)\b"),
    "format_html": re.compile(r"\bformat_html(_join)?\s*\("),
    "html_safe": re.compile(r"\bhtml_safe\b"),
    "autoescape": re.compile(r"[\"']autoescape[\"']\s*:\s*False"),
    "is_safe": re.compile(r"\bis_safe\s*=\s*True"),
}

# (path relative to the project, the stripped line) -> why it is safe.
ALLOWLIST = {
    (
        "dialogue_hub/settings/base.py",
        '"OPTIONS": {"autoescape": False, "context_processors": []},',
    ): (
        "the plain-text email engine: it renders text/plain subjects and bodies only "
        "(see test_the_text_engine_renders_only_text_email_templates)"
    ),
    (
        "dialogue_hub/templatetags/bidi.py",
        'return format_html("<bdi>{}</bdi>", isolate(value))',
    ): "the |bdi filter: format_html escapes the person's text; only the <bdi> tags are markup",
    ("dialogue_hub/translated.py", "return format_html("): (
        "marked_html and fallback_note (the |marked and |fallback_note filters): format_html "
        "escapes the organizer's text, the language code and the fallback label; only the "
        "<span lang> and <small> tags are markup"
    ),
    ("dialogue_hub/translated.py", 'return format_html("{}", str(value))'): (
        "marked_html of a text in the reader's language: format_html escapes it"
    ),
    (
        "dialogue_hub/translated.py",
        'return mark_safe("")  # noqa: S308 — an empty string',
    ): "fallback_note with nothing to say: an empty string",
    (
        "participants/templatetags/inclusion_tables.py",
        "return mark_safe(html)  # noqa: S308 — every value in it went through escape() above",
    ): (
        "{% inclusion_table %}: the inclusion dashboard's suppressed tables, built as strings "
        "for speed; every label, figure, note and source is written through escape() (a "
        "label with markup is shown as text: test_inclusion_table_escapes_what_it_writes)"
    ),
}


def _files(root: Path, suffixes):
    for path in sorted(root.rglob("*")):
        if path.suffix in suffixes and "migrations" not in path.parts and path.is_file():
            yield path


def template_files():
    roots = [BASE / "templates"] + [BASE / app / "templates" for app in APPS]
    for root in roots:
        if root.exists():
            yield from _files(root, {".html", ".txt", ".xml", ".ics", ".js"})


def python_files():
    for app in APPS:
        yield from _files(BASE / app, {".py"})


def findings(paths, patterns):
    found = []
    for path in paths:
        relative = str(path.relative_to(BASE))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for label, pattern in patterns.items():
                if pattern.search(line) and (relative, line.strip()) not in ALLOWLIST:
                    found.append(f"{relative}:{number}: {label}: {line.strip()}")
    return found


def test_the_scan_sees_the_templates_and_the_code():
    assert len(list(template_files())) > 100
    assert len(list(python_files())) > 50


def test_no_template_turns_off_escaping():
    found = findings(template_files(), TEMPLATE_PATTERNS)
    assert not found, "unreviewed unescaped output in templates:\n" + "\n".join(found)


def test_no_python_code_marks_text_safe():
    found = findings(python_files(), PYTHON_PATTERNS)
    assert not found, "unreviewed safe-marking in code:\n" + "\n".join(found)


def test_every_allowlisted_use_still_exists():
    """A reviewed line that went away leaves the allowlist: it must not cover a new one."""
    for relative, line in ALLOWLIST:
        text = (BASE / relative).read_text(encoding="utf-8")
        assert line in {raw.strip() for raw in text.splitlines()}, (relative, line)


def test_the_html_engine_escapes():
    html = engines["django"]
    assert html.engine.autoescape is True
    rendered = html.from_string("{{ x }}").render({"x": "<script>alert(1)</script>"})
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_text_engine_renders_only_text_email_templates():
    """Only dialogue_hub/emails.py uses the text engine, on email/*.txt names, and
    dialogue_hub/outbox_texts.py, on texts/*.txt names (text messages)."""
    users = []
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        if re.search(r"engines\[\s*[\"']text[\"']\s*\]|using\s*=\s*[\"']text[\"']", text):
            users.append(str(path.relative_to(BASE)))
    assert sorted(users) == ["dialogue_hub/emails.py", "dialogue_hub/outbox_texts.py"], users
    source = (BASE / "dialogue_hub/emails.py").read_text(encoding="utf-8")
    names = re.findall(r"text_engine\.get_template\(([^)]*)\)", source)
    assert names, "emails.py no longer loads text templates the way this test reads"
    for name in names:
        assert re.fullmatch(r"f\"email/\{template\}(_subject)?\.txt\"", name.strip()), name
    source = (BASE / "dialogue_hub/outbox_texts.py").read_text(encoding="utf-8")
    names = re.findall(r"engines\[\"text\"\]\.get_template\(([^)]*)\)", source)
    assert names, "outbox_texts.py no longer loads text templates the way this test reads"
    for name in names:
        assert re.fullmatch(r"f\"texts/\{kind\.text\}\.txt\"", name.strip()), name


def test_no_view_answers_with_a_text_template():
    """Views render .html only: a .txt template (unescaped where it is an email) is never a
    page. The only .txt templates are under email/ and texts/ (text messages)."""
    for path in python_files():
        if "views" not in path.parts and path.name != "views.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"'][\w/]+\.txt[\"']", text), path
    for path in template_files():
        if path.suffix == ".txt":
            assert "email" in path.parts or "texts" in path.parts, path


def test_html_emails_escape_what_people_typed():
    from dialogue_hub.emails import render_email

    message = render_email(
        template="invitation",
        context={
            "initiative": {"name": "<script>alert(1)</script>"},
            "inviter": {"display_name": '"><img src=x onerror=alert(1)>'},
            "invitation": {"message": "</textarea><svg onload=x>", "expires_at": None},
            "accept_url": "https://example.org/",
        },
        to="a@example.org",
    )
    html = message.alternatives[0][0]
    assert "&lt;script&gt;" in html
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload"):
        assert raw not in html
