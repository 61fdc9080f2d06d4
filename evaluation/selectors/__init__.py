"""Reads of the evaluation app, one module per feature: `instruments.py` (the survey library,
an initiative's own surveys and their versions, the questions per audience, which are locked),
`responses.py` (one person's part in the evaluation, for their own download), `waves.py` (the
organizers' overview of the waves, a person's own surveys, who may answer a paper survey),
`change.py` (the change report), `feedback.py` (after-session feedback summaries), `report.py`
(the evaluation report, built from the other apps' selectors)."""
