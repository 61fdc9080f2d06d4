"""Turning an HTML page into a PDF with WeasyPrint, offline.

WeasyPrint needs Pango and its friends (system libraries): where they cannot be loaded, its
import raises OSError, and `render_pdf` raises `PdfUnavailable` for the view to explain. It
never reaches the network: the URL fetcher serves our own static files (fonts, CSS, images)
and refuses everything else.
"""

import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries cannot be loaded here."""


def _weasyprint():
    try:
        import weasyprint  # noqa: PLC0415 (loaded only when a PDF is asked for)
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint


def static_file(url: str) -> str | None:
    """The path on disk of the static file `url` names (any host), or None."""
    path = unquote(urlsplit(url).path)
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    if not name or ".." in name.split("/"):
        return None
    found = finders.find(name)
    if isinstance(found, str):
        return found
    # Collected files (production's hashed names are only there).
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (ImproperlyConfigured, NotImplementedError, SuspiciousFileOperation, ValueError):
        return None
    return None


def static_only_fetcher(weasyprint):
    """A WeasyPrint URL fetcher that serves our static files and nothing else."""

    class StaticOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file(url)
            if path is None:
                raise ValueError(f"Only our static files are served to the PDF: {url}")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, body=body, headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher()


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The PDF of `html` (its relative links read against `base_url`). Raises PdfUnavailable."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=static_only_fetcher(weasyprint)
    )
    return document.write_pdf()
