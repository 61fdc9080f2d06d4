"""Actions views, one module per feature: ideas.py, forum.py, teams.py (teams, members, goals,
milestones), progress.py (updates, outcomes, community assets), results.py (the progress
dashboard and the public results page)."""
