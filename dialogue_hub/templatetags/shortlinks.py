"""`{% load shortlinks %}{{ page_url|short }}`: a text message's link, shortened
(dialogue_hub/shortlinks.py)."""

from django import template

from .. import shortlinks

register = template.Library()


@register.filter
def short(url):
    return shortlinks.shorten(str(url or ""))
