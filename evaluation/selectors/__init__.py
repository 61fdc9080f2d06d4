"""Reads of the evaluation app, one module per feature: `responses.py` (who may be asked, what a
person may answer now, their own download), `change` (the change report), `feedback.py`
(after-session feedback: per meeting, per circle, the low-safety flag, the initiative's summary),
`report` (the evaluation report, built from the other apps' selectors)."""
