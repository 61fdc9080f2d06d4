"""CSV for the open data: UTF-8 with a byte order mark (spreadsheets then read accents right),
a header row and the columns in the order the view's `csv_columns` fixes: a published column
never moves. A cell that a spreadsheet would run as a formula is made plain text
(dialogue_hub.text.csv_cell)."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from dialogue_hub.text import csv_cell as csv_safe


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns = view.csv_columns
        writer.writerow(columns)
        for row in data:
            writer.writerow([_cell(row.get(column)) for column in columns])
        return buffer.getvalue().encode("utf-8")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return csv_safe("; ".join(str(item) for item in value))
    return csv_safe(str(value))
