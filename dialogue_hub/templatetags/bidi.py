"""`{{ person.name|bdi }}`: a person's text as a `<bdi>` element, so that a name written in a
right-to-left script (or holding bidirectional controls, see dialogue_hub/text.py) cannot
reorder the text the page writes after it, e.g. "‏محمد (3)" in a list."""

from django import template
from django.utils.html import format_html

from dialogue_hub.text import isolate

register = template.Library()


@register.filter
def bdi(value):
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", isolate(value))
