"""Repeated labels: no block of a page says the same label twice ("Working on: …" in a team's
description and again as the page's own "Working on:" list of its ideas). Checked on the public
results page of the Riverton demo, which is what a visitor of the demo reads, and on a team made
here with every part the page shows (description, ideas, outcomes)."""

import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from actions.models import ActionTeam

from ..factories import ActionTeamFactory, IdeaFactory, InitiativeFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

# A label: one to four words starting with a capital, then a colon and a space ("Working on: ").
LABEL = re.compile(r"(?<![\w-])([A-Z][a-z]+(?: [a-z]+){0,3}):\s")


def team_blocks(html):
    """The text of each team block of the public results page: {team pk: text}."""
    section = html.split('id="teams"', 1)[1].split("</section>", 1)[0]
    parts = re.split(r'data-team="(\d+)"', section)[1:]
    return {int(pk): strip_tags(body) for pk, body in zip(parts[::2], parts[1::2], strict=True)}


def repeated_labels(text):
    return [label for label, n in Counter(LABEL.findall(text)).items() if n > 1]


def test_demo_results_page_says_each_team_label_once(client, demo):

    html = client.get(reverse("actions:results", args=[demo.slug])).content.decode()

    blocks = team_blocks(html)
    assert set(blocks) == set(
        ActionTeam.objects.filter(initiative=demo, is_public=True).values_list("pk", flat=True)
    )
    assert all("Working on:" in text for text in blocks.values())
    repeats = {pk: repeated_labels(text) for pk, text in blocks.items() if repeated_labels(text)}
    assert not repeats, f"team blocks that repeat a label: {repeats}"


def test_results_page_team_block_labels_each_part_once(client):
    initiative = InitiativeFactory(is_published=True)
    team = ActionTeamFactory(
        initiative=initiative,
        is_public=True,
        description="Neighbors and officers walking the blocks together.",
    )
    ideas = [IdeaFactory(initiative=initiative, is_public=True) for _ in range(2)]
    team.ideas.set(ideas)
    for _ in range(2):
        OutcomeFactory(initiative=initiative, team=team, is_public=True)

    html = client.get(reverse("actions:results", args=[initiative.slug])).content.decode()

    text = team_blocks(html)[team.pk]
    assert Counter(LABEL.findall(text)) == {"Working on": 1, "Outcomes": 1}
