"""The participants app's forms, one module per feature, named as in views/ and urls/:
public.py (registration, the manage page, the guardian's consent, asking for a new link),
staff.py (registration settings, the roster's filters, staff entry, CSV import),
outreach.py (referral links, outreach activities) and inclusion.py (benchmarks and targets)."""
