"""Organizers' texts in the reader's language, marked where they are a fallback.

    {% load translated %}
    <h1>{{ initiative|tr:"name"|marked }}</h1>
    {{ initiative|tr:"description"|linebreaks }}{{ initiative|tr:"description"|fallback_note }}
    <option>{{ label|marked_text }}</option>

See dialogue_hub/translated.py.
"""

from django import template

from dialogue_hub import translated as t

register = template.Library()


@register.filter
def tr(obj, field: str):
    """`obj.<field>` in the active language, or the other one, saying which (a Translated)."""
    if obj is None or obj == "":
        return t.Translated("", t.reader_language())
    return t.translated(obj, field)


@register.filter
def marked(value):
    return t.marked_html(value)


@register.filter
def marked_text(value):
    return t.marked_text(value)


@register.filter
def fallback_note(value):
    return t.fallback_note(value)
