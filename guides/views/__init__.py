"""Guides views, one module per area: library.py (guides, training), circles.py (circles,
overview, my circles), assignment.py, meetings.py (schedule, attendance, calendars), logs.py."""
