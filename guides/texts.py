"""A circle's and its meetings' texts as a participant reads them: in their language, or the
initiative's first language marked as a fallback (dialogue_hub/translated.py).

Each returns a `Translated` (a str that knows its language and whether it is a fallback), for
`|marked` (HTML) or `|marked_text` (plain text emails). Nothing here queries the database when
the meeting's circle, initiative and guide session are loaded (select_related)."""

from dialogue_hub.translated import LANGUAGE_CODES, Translated, given, reader_language, translated


def _has(obj, field: str) -> bool:
    """Whether `obj` gives `field` in any language."""
    return obj is not None and any(
        given(getattr(obj, f"{field}_{c}", None)) for c in LANGUAGE_CODES
    )


def _prefer(circle) -> str | None:
    """The initiative's first language, when the circle's initiative is loaded already."""
    initiative = circle._state.fields_cache.get("initiative") if circle is not None else None
    return initiative.default_language if initiative is not None else None


def meeting_title(meeting, language: str | None = None) -> Translated:
    """The meeting's own title, else its guide session's; "" when neither has one."""
    language = language or reader_language()
    prefer = _prefer(meeting.circle)
    session = meeting.guide_session if meeting.guide_session_id else None
    if _has(meeting, "title"):
        own = translated(meeting, "title", language, prefer=prefer)
        # Scheduling copied the session's titles; one translated since reaches the meeting,
        # unless the meeting was given a title of its own (it no longer reads like the session).
        if (
            own.is_fallback
            and session is not None
            and given(getattr(session, f"title_{language}", None))
            and str(own) == (getattr(session, f"title_{own.language}", None) or "")
        ):
            return translated(session, "title", language, prefer=prefer)
        return own
    if _has(session, "title"):
        return translated(session, "title", language, prefer=prefer)
    return Translated("", language)


def circle_text(circle, field: str, language: str | None = None) -> Translated:
    """A circle's venue or notes for participants (`field`), "" when not given."""
    language = language or reader_language()
    if not _has(circle, field):
        return Translated("", language)
    return translated(circle, field, language, prefer=_prefer(circle))


def circle_location(circle, language: str | None = None) -> Translated:
    """The circle's venue and address ("Library, 12 Main St"), the venue's language marked."""
    venue = circle_text(circle, "venue_name", language)
    text = ", ".join(part for part in (str(venue), circle.venue_address) if part)
    return Translated(text, venue.language, venue.is_fallback and bool(str(venue)))


def meeting_location(meeting, language: str | None = None) -> Translated:
    """Where the meeting is: its own venue when it has one other than the circle's, else the
    circle's venue and address, else the online link."""
    circle = meeting.circle
    language = language or reader_language()
    if _has(meeting, "venue_name"):
        own = translated(meeting, "venue_name", language, prefer=_prefer(circle))
        if str(own) != str(circle_text(circle, "venue_name", language)):
            return own
    if _has(circle, "venue_name") or circle.venue_address:
        return circle_location(circle, language)
    return Translated(circle.online_link, language)
