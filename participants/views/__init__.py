"""Participants views, one module per area: public.py (registration, manage link, guardian),
staff.py (roster, staff entry, import, export), inclusion.py (dashboard, targets), outreach.py,
home.py (the site's home page: my initiatives with their participant counts), table.py
(sign-up table mode: a shared tablet at a community event)."""
