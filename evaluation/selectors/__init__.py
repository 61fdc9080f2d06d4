"""Reads of the evaluation app, one module per feature, named as in views/ and services/:

- responses.py: one person's part in the evaluation (what they were asked and answered);
- change.py: the change report (means per wave, paired changes with confidence intervals,
  response rates, per group and circle, small groups hidden).
"""
