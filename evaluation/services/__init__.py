"""Writes of the evaluation app, one module per feature: `responses.py` (pseudonyms, answering
a wave, forgetting a person's answers), `waves` (planning and closing waves, their emails),
`instruments` (copying and adapting surveys, new versions), `feedback.py` (after-session
feedback: answering a meeting's form, and the sweep that asks after each meeting)."""
