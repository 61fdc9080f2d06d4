"""`{% report_section section %}`: render one section of the evaluation report (a BuiltSection
of evaluation/selectors/report.py) with its template and its own context on top of the page's
(so a section's template reads `report`, `summary`… as its builder named them)."""

from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def report_section(context, section):
    with context.push(**section.context):
        # The section's template escapes what it shows, as any template does.
        return get_template(section.template).template.render(context)
