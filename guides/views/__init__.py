"""Guides views, one module per feature, named as in urls/, forms/, services/ and selectors/:
library.py (guides, training), circles.py (circles, overview, my circles, placement notices),
assignment.py, meetings.py (schedule, attendance, calendars), needs.py (the meeting sheet, needs
arranged), logs.py, safety.py (safety cases, a participant's own report), participant.py (a
participant's own circle, from their private link: "I can't make it", asking for another
circle), requests.py (the organizers' queue of those requests).

Every create, edit and action view stands on `InitiativeFormView` / `InitiativeActionView`
(initiatives/views.py), through a small per-feature base that loads the page's object once.
"""

from django.contrib import messages


class SuccessWarningsMixin:
    """A form view whose successful save can come with warnings (an untrained facilitator, an
    agenda that does not add up, clashing meetings), shown after the success message."""

    def success_warnings(self, form) -> list[str]:
        return []

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.errors:  # saved: a refusal is on the form
            for warning in self.success_warnings(form):
                messages.warning(self.request, warning)
        return response
