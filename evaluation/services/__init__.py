"""Writes of the evaluation app, one module per feature, named as in views/ and selectors/:

- responses.py: pseudonyms, answering a wave, forgetting a person's answers;
- change.py: the record that someone downloaded the change report.
"""
