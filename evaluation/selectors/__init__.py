"""Reads of the evaluation app, one module per feature: `responses` (who may be asked, what a
person may answer now), `change` (the change report), `feedback` (after-session feedback
summaries), `report` (the evaluation report, built from the other apps' selectors)."""
