"""The guides app's reads, one module per feature, named as in views/ and services/:

- assignment.py: counts, circles, people and keep-together requests of the assignment pages;
- circles.py: the composition rules, the circles overview, a facilitator's circles, one circle;
- library.py: shipped guides and an initiative's copies, sessions, training;
- logs.py: a meeting's log and who may act on it, approved logs and their ideas;
- meetings.py: schedules, clashes, attendance, the calendar feeds' meetings;
- needs.py: what circles' and meetings' people need (from their answers), what is arranged;
- records.py: circles (how many people, never who) and their meetings for the read-only API;
- participant.py: a participant's excusals and request, who is excused in advance from what;
- reminders.py: who gets a circle's meeting emails (the sweep's reads), no page of its own;
- requests.py: the organizers' queue of requests for another circle, the count waiting;
- safety.py: the safety cases a person may see, who is told of a new one, open cases' count.
"""
