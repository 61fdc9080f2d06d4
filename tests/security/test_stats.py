"""The safety summary line and its server-error counter."""

import pytest
from django.urls import reverse

from . import stats

pytestmark = pytest.mark.django_db


def test_summary_line_names_every_counter():
    line = stats.summary_line()
    assert line.startswith("safety: ")
    for label in ("URL×role checks", "hostile inputs", "races", "server errors", "leaks"):
        assert label in line
    with pytest.raises(KeyError):
        stats.add("no_such_counter")


def test_an_exception_in_any_view_counts_as_a_server_error(client, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("initiatives.selectors.public_initiatives", broken)
    client.raise_request_exception = False
    before = stats.get("server_errors")
    with stats.expected_server_errors():
        assert client.get(reverse("home")).status_code == 500
    assert stats.get("server_errors") == before  # provoked on purpose: not counted
    try:
        assert client.get(reverse("home")).status_code == 500
        assert stats.get("server_errors") == before + 1
    finally:
        stats._counts["server_errors"] = before  # this one was on purpose too
