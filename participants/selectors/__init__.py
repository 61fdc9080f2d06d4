"""The participants app's reads, one module per feature, named as in views/ and services/:

- registration.py: a participant's demographics and consents, who can be placed in a circle;
- public.py: the private link's pages (an expired link's initiative, the person's own data);
- staff.py: the roster (list, filters, pages, one participant) and the seats per role;
- questions.py: the initiative's own registration questions with their choices, a person's
  answers as text in the reader's language, the roster's filters on them and their totals;
- home.py: participant counts for the home page;
- outreach.py, inclusion.py: referral links, outreach totals and attribution; the inclusion
  dashboard and the benchmarks and targets;
- target_status.py: where each target stands while counts are hidden (on track, below target,
  not yet known), from what the dashboard shows only;
- decision_bodies.py: the mix of the people who decide (team, convening partners, the bodies
  other apps register in DECISION_BODIES);
- tallies.py: the dashboard's counts per group, kept by PostgreSQL triggers as registrations
  change (computed with a query elsewhere), and the initiative's tally lock;
- retention.py: closed initiatives whose personal data is due for purging.

The CSV files staff download are built in ../exports.py, the dashboard's charts in ../charts.py.
"""
