"""The one way a page answers with a CSV file to download."""

import csv
import io

from django.http import HttpResponse

BOM = "\ufeff"  # so spreadsheet programs read UTF-8 (accented names) correctly


def csv_download(filename: str, *, rows=None, text: str | None = None) -> HttpResponse:
    """A CSV attachment from `rows` (lists of cells, the header first) or ready `text`. UTF-8 with
    a byte-order mark, and never kept by a browser or proxy cache (these files hold figures or
    personal data)."""
    if text is None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows or [])
        text = buffer.getvalue()
    if not text.startswith(BOM):
        text = BOM + text
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
