"""Writes of the evaluation app, one module per feature: `responses.py` (pseudonyms, answering a
wave, forgetting a person's answers), `waves.py` (setting up, changing, closing and reopening
waves; the planning sweep that asks and reminds people), `instruments.py` (copying and adapting
surveys, new versions once answered), `change.py` (logging the change report's download),
`feedback.py` (after-session feedback), `report.py` (sharing and downloading the evaluation
report)."""
