"""The actions app's reads, one module per feature, named as in views/ and services/:

- ideas.py, forum.py, teams.py, progress.py: the reads behind those pages (and the digests);
- results.py: the coalition's progress dashboard and the public results page;
- records.py: teams, goals, milestones, updates and outcomes as plain records for the API, and
  when the public results last changed (no page of its own).
"""
