"""Reads of the evaluation app, one module per feature: `instruments.py` (the survey library,
an initiative's own surveys and their versions, the questions per audience, which are locked),
`responses.py` (one person's part in the evaluation, for their own download), `change` (the
change report), `feedback` (after-session feedback summaries), `report` (the evaluation report,
built from the other apps' selectors)."""
