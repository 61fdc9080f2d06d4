"""Guides views, one module per feature, named as in urls/, forms/, services/ and selectors/:
library.py (guides, training), circles.py (circles, overview, my circles, placement notices),
assignment.py, meetings.py (schedule, attendance, calendars), logs.py, participant.py (a
participant's own circle, from their private link)."""
