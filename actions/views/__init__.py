"""Actions views, one module per area: ideas.py, forum.py, teams.py (teams, goals, milestones,
updates, outcomes, assets), dashboard.py, public.py."""
