"""Secrets and contact details out of every log line (dialogue_hub/logs.py applies `redact`).

Private links are found in the URL conf, not listed by hand: every route (ours and allauth's,
through every include) whose parameter is named like a secret (`token`, `key`, `code`, `uidb36`,
`secret`, `signature`…) gives a rule "the path up to that parameter, then the secret", so
`/registration/<token>/manage/` is logged as `/registration/[redacted]/manage/`, and a new
route with a token is covered the day it is added. `secret_routes()` lists what the walk found.
The walk and its rules (`path_rules`) take which parameters hold a secret as an argument:
error reports (dialogue_hub/error_reporting.py) use the same ones with a broader rule.

On top, whatever the URL conf cannot tell: `Authorization: Bearer …`, API tokens (`dh_…`),
session and CSRF cookies and form fields, Django signed values (`value:timestamp:signature`,
the shape of every signed link) wherever they appear, the values PostgreSQL quotes in an error's
detail, email addresses and phone numbers in international form (an SMTP or SMS provider's error
names the recipient).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

REDACTED = "[redacted]"
# A URL parameter holding a secret, by its name.
SECRET_NAME = re.compile(r"token|key|code|uid|secret|signature|hash", re.IGNORECASE)
# Where a secret ends in a line of text (a path segment, a query parameter, a quoted URL…).
_STOP = r"/?#&;,\s\"'<>()\[\]\\"
_SECRET = rf"[^{_STOP}]+?"
_END = rf"(?=[{_STOP}]|$)"

_GROUP_START = re.compile(r"\(\?P<(\w+)>")

# Whether a route parameter holds a secret: (its name, its converter) -> bool.
SecretTest = Callable[[str, object], bool]


def named_like_a_secret(name: str, converter: object = None) -> bool:
    """The logs' rule: a parameter named like a secret (SECRET_NAME)."""
    return bool(SECRET_NAME.search(name))


@dataclass(frozen=True)
class SecretRoute:
    route: str  # the full regular expression of the route
    name: str  # the URL's name ("" for an unnamed one)
    secrets: tuple[str, ...]  # its parameters that hold a secret


def _regex_text(pattern) -> str:
    """A route's regex without its anchors (^…\\Z or ^…$)."""
    text = pattern.regex.pattern.removeprefix("^")
    if text.endswith("\\Z"):
        return text[:-2]
    if text.endswith("$") and not text.endswith("\\$"):
        return text[:-1]
    return text


def _walk(resolver, prefix: str = "", namespace: str = "", converters: dict | None = None):
    """(full regex, URL name, converters by parameter) of every route, includes walked."""
    from django.urls import URLResolver

    for entry in resolver.url_patterns:
        text = prefix + _regex_text(entry.pattern)
        known = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, text, inner, known)
        else:
            yield text, f"{namespace}{entry.name}" if entry.name else "", known


def secret_routes(
    urlconf: str | None = None, is_secret: SecretTest = named_like_a_secret
) -> list[SecretRoute]:
    """Every route of the URL conf with a parameter that holds a secret (by `is_secret`)."""
    from django.urls import get_resolver

    found = []
    for text, name, converters in _walk(get_resolver(urlconf)):
        secrets = tuple(
            m.group(1)
            for m in _GROUP_START.finditer(text)
            if is_secret(m.group(1), converters.get(m.group(1)))
        )
        if secrets:
            found.append(SecretRoute(route=text, name=name, secrets=secrets))
    return found


def _group_end(text: str, start: int) -> int:
    """The index just past the group opening at `start` (brackets and escapes respected)."""
    depth, i, in_class = 0, start, False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if text[i + 1 : i + 2] == "]":  # "[]…]": the first "]" is a character
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


_LITERAL = re.compile(r"(?:\\.|[^/()\[\]$^|*+?{}\\])*")


def _rules_of(found: SecretRoute) -> list[tuple[str, str]]:
    """(what comes before, what may follow) for each secret parameter of a route."""
    rules = []
    for match in _GROUP_START.finditer(found.route):
        if match.group(1) not in found.secrets:
            continue
        # The groups before it stay as they are, without their names (no clashes).
        before = _GROUP_START.sub("(?:", found.route[: match.start()])
        after = _LITERAL.match(found.route, _group_end(found.route, match.start())).group(0)
        rules.append((before, after))
    return rules


@lru_cache(maxsize=16)
def path_rules(
    urlconf: str | None, is_secret: SecretTest = named_like_a_secret
) -> tuple[re.Pattern, ...]:
    """The rules hiding the secrets of private links anywhere in a text: group 1 is the path up
    to a secret, group 2 the secret. One a secret parameter of a route, read from the URL conf;
    `is_secret` tells which parameters hold one (logs: SECRET_NAME; Sentry events: a broader
    rule, dialogue_hub/error_reporting.py). Raises what a broken URL conf raises."""
    pairs = {pair for found in secret_routes(urlconf, is_secret) for pair in _rules_of(found)}
    # The longest prefix first: in "key/<uidb36>-<key>/" the key's rule needs the uid unchanged.
    compiled = []
    for before, after in sorted(pairs, key=lambda pair: (-len(pair[0]), pair)):
        follow = f"(?={after})|{_END}" if after else _END
        try:
            compiled.append(re.compile(f"(/{before})({_SECRET})(?:{follow})"))
        except re.error:  # a route regex that cannot be cut (a back-reference): none seen
            continue
    return tuple(compiled)


def url_rules() -> tuple[re.Pattern, ...]:
    """The rules of the current URL conf; none before Django is set up (a gunicorn master)."""
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:
        return ()
    try:
        return path_rules(settings.ROOT_URLCONF)
    except Exception:  # noqa: BLE001 (a broken URL conf: the signed-value rule below still holds)
        return ()


_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}")
_COOKIE_NAMES = r"sessionid|csrftoken|csrfmiddlewaretoken|x-csrftoken"
# (pattern, replacement)
GENERIC_RULES = [
    (re.compile(r"(?i)\b(Bearer|Authorization:\s*Token)\s+[^\s\"',;]+"), rf"\1 {REDACTED}"),
    (re.compile(r"\bdh_[A-Za-z0-9_-]{6,}"), REDACTED),
    (
        re.compile(rf"(?i)(\b(?:{_COOKIE_NAMES})['\"]?\s*[:=]\s*['\"]?)[^\s\"';,&]+"),
        rf"\1{REDACTED}",
    ),
    # Django's signed values: [.]payload:timestamp:signature, or payload:signature (SHA-256).
    (
        re.compile(
            r"\.?[A-Za-z0-9_-]+:[A-Za-z0-9_-]{4,10}:[A-Za-z0-9_-]{26,}"
            r"|\.?[A-Za-z0-9_-]+:[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
        ),
        REDACTED,
    ),
    # PostgreSQL's error details quote the row's values (a name, an address).
    (
        re.compile(r"(Key \([^)]*\)=\().*?(\) (?:already exists|is not present|conflicts))"),
        rf"\1{REDACTED}\2",
    ),
    (re.compile(r"(Failing row contains \().*(\))"), rf"\1{REDACTED}\2"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\+\d[\d ().-]{6,18}\d"), "[phone]"),
]


def redact(text: str) -> str:
    """`text` with every secret and contact detail it holds replaced."""
    if not text:
        return text
    if _ESCAPED.search(text):
        # A link inside a query string or a referer ("?next=%2Fregistration%2F…"): decoded, so
        # that the rules below see it.
        text = unquote(text)
    for rule in url_rules():
        text = rule.sub(rf"\1{REDACTED}", text)
    for pattern, replacement in GENERIC_RULES:
        text = pattern.sub(replacement, text)
    return text
