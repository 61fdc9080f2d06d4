"""Writes of the evaluation app, one module per feature: responses.py (pseudonyms, answering a
wave, forgetting a person's answers), waves.py (planning and closing waves, their emails),
instruments.py (copying and adapting surveys, new versions), feedback.py (after-session
feedback), report.py (sharing the evaluation report's public version, logging its PDF)."""
