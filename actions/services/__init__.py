"""The actions app's writes, one module per feature, named as in views/ and urls/:

- ideas.py: action ideas gathered from approved session logs, themes, merging;
- forum.py: ballots with a voting window, and dot-voting;
- teams.py: action teams, members, goals and milestones;
- progress.py: progress updates, outcomes, community assets, and the reminders and digests
  planned for them (tasks.py).

The results pages (the progress dashboard, the public results page) only read: see selectors/.
"""
