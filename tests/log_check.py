"""The suite-wide check: no line logged while the tests run holds a private-link token.

tests/conftest.py installs one `LeakCheck` on the root logger for the whole session. It writes
each record as production would (dialogue_hub.logs.JsonFormatter: redacted, with the request
id) and looks in that text for real secrets, checked against the secrets themselves rather
than by their shape:

- every string that could be a Django signed value is unsigned with each salt the project
  signs links with (every module-level `…SALT` constant of our apps, and allauth's): a
  participant's manage, confirmation or guardian link, an unsubscribe or preferences link, a
  calendar feed, the "registered" and sign-up-table values, an email confirmation key;
- every invitation key, short-link code and API token the session created (recorded as they
  are made, `record_secret`), wherever it appears.

A test whose log lines leaked one fails in its teardown, naming the secret's kind and the line;
lines logged outside any test fail the session. tests/dialogue_hub/test_log_check.py proves
the check catches a real token logged past the redaction.
"""

from __future__ import annotations

import logging
import re
import sys

from django.core import signing

from dialogue_hub.logs import JsonFormatter
from dialogue_hub.request_ids import RequestIdFilter

APPS = ("dialogue_hub", "participants", "guides", "initiatives", "actions", "evaluation", "api")
# allauth's email-confirmation keys (allauth.account.app_settings.SALT's default).
EXTRA_SALTS = {"account": "allauth email confirmation"}
# A run of characters a signed value is made of, with at least one colon.
SIGNED_CANDIDATE = re.compile(r"[A-Za-z0-9_.\-]*:[A-Za-z0-9_.\-:]+")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT")
WORD = re.compile(r"[A-Za-z0-9_\-]{6,}")

# secret -> what it is, recorded while the tests create them.
_recorded: dict[str, str] = {}


def record_secret(value: str, kind: str) -> None:
    if value:
        _recorded[value] = kind


_salts_cache: tuple[int, dict[str, str]] = (0, {})


def salts() -> dict[str, str]:
    """Every salt our apps sign links with: {salt: where it is defined} (looked for again when
    more modules were imported)."""
    global _salts_cache
    if _salts_cache[0] != len(sys.modules):
        _salts_cache = (len(sys.modules), _find_salts())
    return _salts_cache[1]


def _find_salts() -> dict[str, str]:
    found = dict(EXTRA_SALTS)
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(APPS):
            continue
        for attribute, value in list(vars(module).items()):
            if attribute.endswith("SALT") and isinstance(value, str):
                found[value] = f"{name}.{attribute}"
    return found


def _unsigns(candidate: str, salt: str) -> bool:
    try:
        signing.loads(candidate, salt=salt)
        return True
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        pass
    try:
        signing.Signer(salt=salt).unsign_object(candidate)
        return True
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return False


def _variants(run: str) -> list[str]:
    """The signed values `run` may be: itself without trailing punctuation, and from a dot in
    its first part on (a compressed value starts with "."; "example.org.eJx…" is not one)."""
    run = run.rstrip(".:")
    head = run.split(":", 1)[0]
    variants = [run] + [run[i:] for i, char in enumerate(head) if char == "." and i]
    variants += [v[1:] for v in variants if v.startswith(".")]
    return [v for v in variants if len(v) >= 20 and ":" in v and not TIMESTAMP.match(v)]


def leaks_in(text: str) -> list[str]:
    """The real secrets `text` holds, each as "<kind>: <secret>"."""
    found = []
    known_salts = None
    for match in SIGNED_CANDIDATE.finditer(text):
        for candidate in _variants(match.group(0)):
            known_salts = known_salts or salts()
            where = next((w for salt, w in known_salts.items() if _unsigns(candidate, salt)), None)
            if where:
                found.append(f"signed value ({where}): {candidate}")
                break
    if _recorded:
        for match in WORD.finditer(text):
            kind = _recorded.get(match.group(0))
            if kind:
                found.append(f"{kind}: {match.group(0)}")
    return found


class LeakCheck(logging.Handler):
    """Collects (secret, line) for every log line that holds a real secret."""

    def __init__(self, formatter: logging.Formatter | None = None):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(formatter or JsonFormatter())
        self.addFilter(RequestIdFilter())
        self.found: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 (a record that cannot be formatted holds no secret we can see)
            return
        self.found.extend((leak, line) for leak in leaks_in(line))

    def take(self) -> list[tuple[str, str]]:
        found, self.found = self.found, []
        return found


def report(found: list[tuple[str, str]]) -> str:
    return "Log lines hold private-link secrets:\n" + "\n".join(
        f"- {leak}\n  in: {line[:500]}" for leak, line in found
    )
