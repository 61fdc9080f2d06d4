"""The participants app's writes, one module per feature, named as in views/ and urls/:

- registration.py: the registration every way in shares (the public page, staff entry, CSV
  import): answers checked, seats and the waiting list, signed links, the emails it sends;
- public.py: what a participant or their guardian does through a private link (confirm,
  change, consents, withdraw, delete, a new link);
- staff.py: the team's registration settings and the log of every look at personal data;
- questions.py: the initiative's own registration questions (organizers add, change, move,
  deactivate them) and checking and storing the answers every way in gives;
- imports.py: the CSV import of paper sign-in sheets (views/staff.py): checking a file, keeping
  it for review, importing its valid rows;
- outreach.py, inclusion.py: referral links and outreach records; benchmarks and targets;
- table.py: sign-up table mode (a shared tablet at an event), started and ended, logged;
- reminders.py, retention.py: run by tasks.py (reminders to plan, closed initiatives' personal
  data to purge), no page of their own.

Reads are in selectors/ under the same names.
"""
