"""The problems of an assignment in plain words, in the current language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants.models import RoleCategory


def _role_label(role: str) -> str:
    labels = dict(RoleCategory.choices)
    label = str(labels.get(role, role))
    return label[:1].lower() + label[1:]


def language_label(code: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(code, code))


def problem_message(code: str, params: Mapping) -> str:
    """The problem in plain words, in the current language."""
    p = dict(params)
    n = p.get("count", 0)
    if "language" in p:
        p["language"] = language_label(p["language"])
    if "role" in p:
        p["role"] = _role_label(p["role"])
    if not p.get("slot"):
        p["slot"] = _("any time")
    if code == "unplaced_time":
        return (
            ngettext(
                "%(count)s person could not be placed: no circle meets at a time they are "
                "available. Add a circle on %(slot)s.",
                "%(count)s people could not be placed: no circle meets at a time they are "
                "available. Most of them could come on %(slot)s: add a circle then.",
                n,
            )
            % p
        )
    if code == "unplaced_language":
        return (
            ngettext(
                "%(count)s person could not be placed: no circle is held in %(language)s. "
                "Add a %(language)s circle, or note that they need interpretation.",
                "%(count)s people could not be placed: no circle is held in %(language)s. "
                "Add a %(language)s circle, or note that they need interpretation.",
                n,
            )
            % p
        )
    if code == "unplaced_time_language":
        return (
            ngettext(
                "%(count)s person could not be placed: no %(language)s circle meets at a time "
                "they are available. Add a %(language)s circle on %(slot)s.",
                "%(count)s people could not be placed: no %(language)s circle meets at a time "
                "they are available. Add a %(language)s circle on %(slot)s.",
                n,
            )
            % p
        )
    if code == "unplaced_mobility":
        return (
            ngettext(
                "%(count)s person could not be placed: they asked for mobility access and no "
                "accessible circle fits their time and language. Mark a venue accessible or add "
                "an accessible %(language)s circle on %(slot)s.",
                "%(count)s people could not be placed: they asked for mobility access and no "
                "accessible circle fits their times and languages. Mark a venue accessible or add "
                "an accessible %(language)s circle on %(slot)s.",
                n,
            )
            % p
        )
    if code == "unplaced_full":
        return (
            ngettext(
                "%(count)s person could not be placed: every circle that fits them is full. "
                "Add a %(language)s circle on %(slot)s, or raise the largest size of a circle "
                "that fits them.",
                "%(count)s people could not be placed: every circle that fits them is full. "
                "Add a %(language)s circle (most of them could come on %(slot)s), or raise the "
                "largest size of a circle that fits them.",
                n,
            )
            % p
        )
    if code == "unplaced_locked":
        return (
            ngettext(
                "%(count)s person could not be placed: the only circles that fit them are locked.",
                "%(count)s people could not be placed: the only circles that fit them are locked.",
                n,
            )
            % p
        )
    if code == "group_full":
        return (
            ngettext(
                "%(groups)s group of people who asked to stay together (%(count)s people) was not "
                "placed: every circle that fits all of them is too full to take them together.",
                "%(groups)s groups of people who asked to stay together (%(count)s people) were "
                "not placed: every circle that fits all of them is too full to take them together.",
                p.get("groups", 0),
            )
            % p
        )
    if code == "group_nofit":
        return (
            ngettext(
                "%(groups)s group of people who asked to stay together (%(count)s people) was not "
                "placed: no circle fits all of them (their available times or languages differ).",
                "%(groups)s groups of people who asked to stay together (%(count)s people) were "
                "not placed: no circle fits all of them (their available times or languages "
                "differ).",
                p.get("groups", 0),
            )
            % p
        )
    if code == "group_locked":
        return (
            _(
                "%(count)s people who asked to stay together were not placed: the person they "
                "asked to be with is in the locked circle %(circle)s. Move them there by hand "
                "or unlock it."
            )
            % p
        )
    if code == "group_split_fixed":
        return (
            _(
                "%(count)s people who asked to stay together were not placed: the people they "
                "asked to be with are already in different circles."
            )
            % p
        )
    if code == "pair_ineligible":
        return (
            ngettext(
                "%(count)s keep-together request names someone who cannot be placed yet (not "
                "confirmed, no consent, or a minor without a guardian's consent); the other "
                "person was placed on their own.",
                "%(count)s keep-together requests name someone who cannot be placed yet (not "
                "confirmed, no consent, or a minor without a guardian's consent); the other "
                "person was placed on their own.",
                n,
            )
            % p
        )
    if code == "interpretation":
        return (
            ngettext(
                "%(count)s person who needs interpretation was placed in a circle in another "
                "language: arrange an interpreter.",
                "%(count)s people who need interpretation were placed in a circle in another "
                "language: arrange interpreters.",
                n,
            )
            % p
        )
    if code == "circle_empty":
        return (
            _(
                "%(circle)s stayed empty: too few people can come on %(slot)s in %(language)s "
                "to fill it as well as the other circles. Remove it or change its time."
            )
            % p
        )
    if code == "circle_closed":
        return (
            ngettext(
                "%(circle)s was left unused: it could not have at least %(min)s %(role)s "
                "(those who can come on %(slot)s in %(language)s are needed for the same rule "
                "in other circles), so its %(count)s member was placed in another circle that "
                "fits them. To use it, recruit more people in that role or move it to another "
                "time.",
                "%(circle)s was left unused: it could not have at least %(min)s %(role)s "
                "(those who can come on %(slot)s in %(language)s are needed for the same rule "
                "in other circles), so its %(count)s members were placed in other circles that "
                "fit them. To use it, recruit more people in that role or move it to another "
                "time.",
                n,
            )
            % p
        )
    if code == "circle_small":
        return (
            ngettext(
                "%(circle)s has %(size)s person, fewer than its smallest size of %(min)s.",
                "%(circle)s has %(size)s people, fewer than its smallest size of %(min)s.",
                p.get("size", 0),
            )
            % p
            + " "
            + ngettext(
                "Only %(supply)s person can come on %(slot)s in %(language)s.",
                "Only %(supply)s people can come on %(slot)s in %(language)s.",
                p.get("supply", 0),
            )
            % p
        )
    if code == "role_missing":
        if p.get("available", 0) <= p.get("have", 0):
            if p.get("have"):
                return (
                    _(
                        "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: "
                        "nobody else in that role can come on %(slot)s in %(language)s."
                    )
                    % p
                )
            return (
                _(
                    "%(circle)s has no %(role)s: nobody in that role can come on %(slot)s in "
                    "%(language)s."
                )
                % p
            )
        if p.get("have"):
            return (
                ngettext(
                    "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: only "
                    "%(available)s person in that role can come on %(slot)s in %(language)s, and "
                    "the others are needed for the same rule in other circles.",
                    "%(circle)s has %(have)s %(role)s, its rule asks for at least %(min)s: only "
                    "%(available)s people in that role can come on %(slot)s in %(language)s, and "
                    "they are needed for the same rule in other circles.",
                    p.get("available", 0),
                )
                % p
            )
        return (
            ngettext(
                "%(circle)s has no %(role)s: only %(available)s person in that role can come on "
                "%(slot)s in %(language)s, and they are needed for the same rule in another circle.",
                "%(circle)s has no %(role)s: only %(available)s people in that role can come on "
                "%(slot)s in %(language)s, and they are needed for the same rule in other circles.",
                p.get("available", 0),
            )
            % p
        )
    if code == "role_over_share":
        return (
            ngettext(
                "%(circle)s: %(have)s of %(size)s person is %(role)s, above its %(percent)s%% "
                "limit: not enough people of other roles fit this circle.",
                "%(circle)s: %(have)s of %(size)s people are %(role)s, above its %(percent)s%% "
                "limit: not enough people of other roles fit this circle.",
                p.get("size", 0),
            )
            % p
        )
    if code == "made_room":
        moved = p.get("moved", 0)
        p["moved_people"] = ngettext(
            "%(moved)s other person was moved", "%(moved)s other people were moved", moved
        ) % {"moved": moved}
        return (
            ngettext(
                "%(count)s person fitted only full circles and was placed after "
                "%(moved_people)s to other circles that fit them and had room.",
                "%(count)s people fitted only full circles and were placed after "
                "%(moved_people)s to other circles that fit them and had room.",
                n,
            )
            % p
        )
    if code == "balanced":
        for key in ("role", "age_band", "neighborhood", "race"):
            value = p.get(key, 1)
            p[key] = f"{value:g}" if isinstance(value, int | float) else "1"
        return (
            _(
                "How the circles were mixed: each circle is compared with the whole group's "
                "shares of roles, age bands, neighborhoods and race/ethnicity (only people who "
                "answered count), and people were moved or swapped between circles that fit "
                "them while that brought the circles closer to those shares (changes made: "
                "%(changes)s; the circles' total distance from the shares, counted in people: "
                "from %(before)s to %(after)s). Each counts with a weight: roles %(role)s, age bands "
                "%(age_band)s, neighborhoods %(neighborhood)s, race/ethnicity %(race)s. Role "
                "minimums, sizes, times, languages, access and keep-together requests come first."
            )
            % p
        )
    return code


def names_shown(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        rest = len(items) - limit
        shown += ngettext(" and %(n)s more", " and %(n)s more", rest) % {"n": rest}
    return shown
