"""Writes of the evaluation app, one module per feature: `responses.py` (pseudonyms, answering a
wave, forgetting a person's answers), `waves` (planning and closing waves, their emails),
`instruments.py` (copying and adapting surveys, new versions once answered), `feedback`
(after-session feedback)."""
