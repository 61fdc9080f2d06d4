"""The guides app's writes, one module per feature, named as in views/ and urls/:

- assignment.py: running the balanced assignment (the engine is ../assignment/), moving,
  removing and locking, keep-together requests;
- circles.py: circles with their staff and composition, placement notices;
- library.py: copying and adapting guides, their sessions, facilitator training;
- logs.py: session logs from draft to approval, their action ideas;
- meetings.py: a circle's schedule, rescheduling and cancelling, attendance;
- needs.py: marking a meeting's needs (childcare, an interpreter, ...) arranged or not;
- participant.py: a participant's self-service from their private link ("I can't make it",
  asking for another circle or time);
- reminders.py: meeting emails planned by the sweep (tasks.py), no page of its own;
- requests.py: the organizers' answers to requests for another circle (accept moves, decline);
- safety.py: safety cases opened from a log or a participant's report, acknowledged, resolved.

Reads are in selectors/ under the same names.
"""
