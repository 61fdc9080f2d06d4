"""Writes of the evaluation app, one module per feature: `responses` (pseudonyms, answering a
wave, forgetting a person's answers), `waves` (planning and closing waves, their emails),
`instruments` (copying and adapting surveys, new versions), `feedback` (after-session
feedback)."""
