"""Reads of the evaluation app, one module per feature: responses.py (who may be asked, what a
person may answer now, a person's own download), change.py (the change report), feedback.py
(after-session feedback summaries), report.py (the evaluation report, built section by section
from the other apps' selectors)."""
