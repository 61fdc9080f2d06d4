"""CSV import of paper sign-in sheets.

Two steps, so nothing is ever half-imported:
1. `check_file` reads the upload (UTF-8 with or without BOM, UTF-16 from Excel, else
   Windows-1252 with a note), checks the header and EVERY row, and returns a report: for each
   row, what is wrong, or that the person is already registered (skipped, not an error).
   While the organizer reviews the report, the decoded text waits in an `ImportUpload` row
   that only they can use (`import_upload_create` / `import_upload_for`), never in the
   session: it is deleted when they import or cancel, and purged after a day at the latest.
2. `import_valid_rows` registers all the valid rows in ONE transaction through
   `registration.participant_register` (source=IMPORT). If any row is refused at that point,
   nothing is saved and the refusal names the row.

A file has at most MAX_ROWS rows, which bounds how long one import holds the registration
lock that public sign-ups wait for; bigger sheets are split into several files.

Signing the paper sheet is the consent to take part; the optional consents come from their
columns. Re-importing the same file creates nobody twice: those emails, and those children
under 13 (by their guardian's email and their name, see `_mark_duplicates`), are reported as
already registered.
"""

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue_hub import texts
from dialogue_hub.exceptions import DomainError
from dialogue_hub.text import clean_line
from initiatives.services import activity_record

from ..models import (
    MINOR_AGE_BANDS,
    AccessibilityNeed,
    AgeBand,
    Channel,
    ConsentKind,
    ContactBy,
    ImportUpload,
    Participant,
    RegistrationSettings,
    RoleCategory,
    Source,
)
from . import registration

MAX_BYTES = 2 * 1024 * 1024
# One file is imported in one transaction holding the initiative's registration lock, which
# public sign-ups wait for: the cap bounds that wait (1,000 rows took about 7 s on PostgreSQL
# on a laptop, mostly participant_register's queries per row).
MAX_ROWS = 1000
# How long an uploaded file may wait to be imported before the beat task deletes it.
UPLOAD_KEEP = timedelta(hours=24)

# A sheet's columns: the profile a person gives when registering (but for the free-text
# accessibility note and offers), then a yes/no column for each optional consent.
COLUMNS = [
    *(f for f in registration.PROFILE_FIELDS if f not in ("accessibility_other", "offers")),
    *(f"consent_{kind}" for kind in registration.OPTIONAL_CONSENTS),
    "consent_texts",
]
REQUIRED_COLUMNS = ["name", "email"]
# How to reach the person and the texts consent: a sheet has them only on a site that can send
# texts (`sheet_columns`); without a provider they are unknown columns, like any other.
TEXTS_COLUMNS = ("contact_by", "consent_texts")


def sheet_columns() -> list[str]:
    """The columns a sheet may have on this site (the template's, the ones the page lists)."""
    if texts.enabled():
        return COLUMNS
    return [column for column in COLUMNS if column not in TEXTS_COLUMNS]


# Other spellings people give their columns.
HEADER_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "full_name": "name",
    "language": "preferred_language",
    "role": "role_category",
    "age": "age_band",
    "how_did_you_hear": "how_heard",
    "accessibility": "accessibility_needs",
    "mobile": "phone",
    "mobile_number": "phone",
    "text_me": "contact_by",
}
YES = {"yes", "y", "true", "1", "x", "si", "sí", "s", "✓", "✔"}
NO = {"no", "n", "false", "0", ""}
MAX_LENGTHS = {"name": 150, "phone": 40, "guardian_name": 150, "email": 254, "guardian_email": 254}


class UploadGone(DomainError):
    """The file is no longer waiting to be imported (imported, cancelled, purged, or never
    uploaded by this person)."""

    def __init__(self):
        super().__init__(
            _("That file is no longer waiting to be imported. Upload it again to check it.")
        )


class ImportFailed(DomainError):
    """A row was refused while importing: the whole import was rolled back."""

    def __init__(self, row_number: int, reason: str):
        super().__init__(
            _("Nothing was imported: row %(row)d was refused (%(reason)s).")
            % {"row": row_number, "reason": reason}
        )
        self.row_number = row_number


@dataclass
class RowReport:
    number: int  # the line in the spreadsheet; the header is row 1
    name: str = ""
    email: str = ""
    errors: list = field(default_factory=list)
    already_registered: bool = False
    data: dict = field(default_factory=dict)
    consents: set = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.already_registered


@dataclass
class ImportReport:
    digest: str = ""
    file_errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    @property
    def valid_rows(self) -> list:
        return [row for row in self.rows if row.is_valid]

    @property
    def error_rows(self) -> list:
        return [row for row in self.rows if row.errors and not row.already_registered]

    @property
    def skipped_rows(self) -> list:
        return [row for row in self.rows if row.already_registered]

    @property
    def problem_rows(self) -> list:
        return [row for row in self.rows if not row.is_valid]

    @property
    def can_import(self) -> bool:
        return not self.file_errors and bool(self.valid_rows)


@dataclass
class ImportResult:
    imported: int
    waitlisted: int
    skipped: int


# --- reading the file ----------------------------------------------------------------------------


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _looks_binary(text: str) -> bool:
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\r\n"
    )
    return controls > 0


def decode(content: bytes) -> tuple[str, list[str]]:
    """The file's text and notes about how it was read. Raises DomainError for a file that is
    empty, too large, or not text."""
    if not content or not content.strip():
        raise DomainError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise DomainError(
            _("The file is too large (at most %(mb)d MB). Split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    notes = []
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DomainError(_("The file could not be read as text.")) from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                text = content.decode("latin-1")
            notes.append(
                _(
                    "The file is not in UTF-8, so it was read as Western European "
                    "(Windows-1252). Check that accented names look right below; if not, "
                    "save the file as “CSV UTF-8” and upload it again."
                )
            )
    if _looks_binary(text):
        raise DomainError(
            _(
                "This does not look like a CSV file. Save the sign-in sheet as CSV "
                "(comma-separated values) from your spreadsheet program and upload that."
            )
        )
    return text, notes


def _normalize_header(value: str) -> str:
    key = re.sub(r"[\s\-]+", "_", (value or "").strip().lstrip("\ufeff").casefold())
    return HEADER_ALIASES.get(key, key)


def _delimiter(text: str) -> str:
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _norm(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").casefold().strip()
    text = text.replace("–", "-").replace("—", "-").replace("_", " ")
    return " ".join(text.split())


# --- validating the rows ---------------------------------------------------------------------------


class _Lookups:
    """Codes and human labels (in every site language), matched case-insensitively."""

    def __init__(self, registration_settings: RegistrationSettings):
        self.role = self._choices(RoleCategory.choices)
        self.age = self._choices(AgeBand.choices)
        self.age.update({"65+": AgeBand.AGE_65_PLUS, "under13": AgeBand.UNDER_13})
        self.need = self._choices(AccessibilityNeed.choices)
        self.channel = self._choices(Channel.choices)
        self.contact_by = self._choices(ContactBy.choices)
        self.contact_by.update({"sms": ContactBy.TEXT, "text": ContactBy.TEXT})
        self.region = registration_settings.initiative.country
        self.language = self._choices(settings.LANGUAGES)
        for code, _label in settings.LANGUAGES:
            info = LANG_INFO.get(code, {})
            for key in ("name", "name_local"):
                if info.get(key):
                    self.language[_norm(info[key])] = code
        self.neighborhood = {_norm(n): n for n in registration_settings.neighborhoods}
        self.slot = {_norm(s): s for s in registration_settings.time_slots}
        self.has_neighborhoods = bool(registration_settings.neighborhoods)

    @staticmethod
    def _choices(choices) -> dict:
        mapping = {}
        for code, _label in choices:
            mapping[_norm(code)] = code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, label in choices:
                    mapping.setdefault(_norm(str(label)), code)
        return mapping


def _age_band(value: str, lookups: _Lookups):
    """(band, error) for an age band given as a code, a label, or an age in years."""
    key = _norm(value)
    if not key:
        return AgeBand.PREFER_NOT, None
    if key in lookups.age:
        return lookups.age[key], None
    if re.fullmatch(r"-?\d+", key):
        years = int(key)
        if years < 0 or years > 120:
            return None, _("“%(value)s” is not a possible age.") % {"value": value}
        for upper, band in (
            (12, AgeBand.UNDER_13),
            (17, AgeBand.AGE_13_17),
            (24, AgeBand.AGE_18_24),
            (34, AgeBand.AGE_25_34),
            (44, AgeBand.AGE_35_44),
            (54, AgeBand.AGE_45_54),
            (64, AgeBand.AGE_55_64),
        ):
            if years <= upper:
                return band, None
        return AgeBand.AGE_65_PLUS, None
    return None, _("Unknown age band “%(value)s”.") % {"value": value}


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _picked(raw: str, lookup: dict, unknown: str, errors: list) -> list:
    """The choices a cell lists (split on ";"), each once, in order; each unknown one adds
    `unknown` (with %(value)s) to `errors`."""
    picked = []
    for part in _split(raw):
        value = lookup.get(_norm(part))
        if value is None:
            errors.append(unknown % {"value": part})
        elif value not in picked:
            picked.append(value)
    return picked


def _check_email(value: str, label: str, errors: list) -> str:
    email = registration.normalize_email(value)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                _("%(field)s “%(value)s” is not a valid email address.")
                % {
                    "field": label,
                    "value": value.strip(),
                }
            )
    return email


def _check_row(cells: dict, lookups: _Lookups) -> tuple[dict, set, list]:
    """(profile data for participant_register, consents, errors) for one row."""
    errors = []

    def get(key):
        return clean_line(cells.get(key) or "").strip()

    data = {
        "name": " ".join(get("name").split()),
        "phone": get("phone"),
        "guardian_name": get("guardian_name"),
        "accessibility_other": "",
    }
    data["email"] = _check_email(get("email"), _("Email"), errors)
    data["guardian_email"] = _check_email(get("guardian_email"), _("Guardian email"), errors)
    for key, limit in MAX_LENGTHS.items():
        if len(data.get(key, "")) > limit:
            errors.append(
                _("%(field)s is too long (at most %(n)d characters).")
                % {
                    "field": key,
                    "n": limit,
                }
            )

    def choice(column, mapping, default, message):
        raw = get(column)
        if not raw:
            return default
        code = mapping.get(_norm(raw))
        if code is None:
            errors.append(message % {"value": raw})
        return code or default

    data["preferred_language"] = choice(
        "preferred_language", lookups.language, "en", _("Unknown language “%(value)s”.")
    )
    data["role_category"] = choice(
        "role_category", lookups.role, RoleCategory.RESIDENT, _("Unknown role “%(value)s”.")
    )
    data["how_heard"] = choice("how_heard", lookups.channel, "", _("Unknown answer “%(value)s”."))
    neighborhood = get("neighborhood")
    if neighborhood and lookups.has_neighborhoods:
        data["neighborhood"] = choice(
            "neighborhood", lookups.neighborhood, "", _("Unknown neighborhood “%(value)s”.")
        )
    else:
        data["neighborhood"] = neighborhood[:100]
    age_band, age_error = _age_band(get("age_band"), lookups)
    if age_error:
        errors.append(age_error)
    data["age_band"] = age_band or AgeBand.PREFER_NOT
    data["availability"] = _picked(
        get("availability"), lookups.slot, _("Unknown time slot “%(value)s”."), errors
    )
    data["accessibility_needs"] = _picked(
        get("accessibility_needs"),
        lookups.need,
        _("Unknown accessibility need “%(value)s”."),
        errors,
    )
    data["contact_by"] = choice(
        "contact_by", lookups.contact_by, ContactBy.EMAIL, _("Unknown answer “%(value)s”.")
    )
    try:
        data["phone"] = registration.phone_clean(data["phone"], region=lookups.region)
    except DomainError:
        errors.append(_("“%(value)s” is not a valid mobile number.") % {"value": get("phone")})
    consents = {ConsentKind.PARTICIPATION.value}  # signing the sheet
    for kind in ("evaluation", "media", "contact", "texts"):
        raw = get(f"consent_{kind}")
        if _norm(raw) in YES:
            consents.add(kind)
        elif _norm(raw) not in NO:
            errors.append(
                _("%(column)s should be yes or no, not “%(value)s”.")
                % {"column": f"consent_{kind}", "value": raw}
            )
    if data["contact_by"] != ContactBy.EMAIL and data["age_band"] != AgeBand.UNDER_13:
        if not data["phone"]:
            errors.append(_("Text messages were chosen without a mobile number."))
        if ConsentKind.TEXTS not in consents:
            errors.append(_("Text messages were chosen without consent_texts “yes”."))
    if data["age_band"] in MINOR_AGE_BANDS and not get("guardian_email"):
        errors.append(_("Under 18 without a parent or guardian's email."))
    if data["age_band"] != AgeBand.UNDER_13:
        if not data["name"]:
            errors.append(_("The name is missing."))
        if not get("email"):
            errors.append(_("The email is missing."))
    return data, consents, errors


def check_text(*, initiative, text: str, notes=()) -> ImportReport:
    """Check the header and every row of a decoded CSV. Never raises for bad content."""
    report = ImportReport(digest=digest_of(text), notes=list(notes))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        header, header_number = None, 0
        for header_number, cells in enumerate(reader, start=1):  # noqa: B007 - used after the loop
            if any(cell.strip() for cell in cells):
                header = cells
                break
        if header is None:
            report.file_errors.append(_("The file has no header row."))
            return report
        columns = [_normalize_header(cell) for cell in header]
        _check_header(columns, header, report)
        if report.file_errors:
            return report
        registration_settings = registration.registration_settings_for(initiative)
        lookups = _Lookups(registration_settings)
        for number, cells in enumerate(reader, start=header_number + 1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(report.rows) >= MAX_ROWS:
                report.file_errors.append(
                    _("The file has more than %(max)d rows. Split it into smaller files.")
                    % {"max": MAX_ROWS}
                )
                report.rows = []
                return report
            row = RowReport(number=number)
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                row.errors.append(_("This row has more cells than the header has columns."))
            values = {
                column: cells[index] if index < len(cells) else ""
                for index, column in enumerate(columns)
                if column
            }
            row.name = values.get("name", "").strip()[:150]
            row.email = values.get("email", "").strip()[:254]
            row.data, row.consents, errors = _check_row(values, lookups)
            row.errors += errors
            report.rows.append(row)
    except csv.Error as exc:
        report.file_errors.append(
            _("The file could not be read as CSV (%(reason)s).") % {"reason": str(exc)}
        )
        report.rows = []
        return report
    if not report.rows:
        report.file_errors.append(_("The file has a header but no rows of people."))
        return report
    _mark_duplicates(initiative, report)
    return report


def _check_header(columns: list, header: list, report: ImportReport) -> None:
    known = sheet_columns()
    unknown = [raw.strip() for raw, key in zip(header, columns, strict=True) if key not in known]
    unknown = [name or _("(a column without a name)") for name in unknown]
    if unknown:
        report.file_errors.append(
            _(
                "Unknown columns: %(columns)s. Rename them to one of the template's columns "
                "or delete them, so no information is lost."
            )
            % {"columns": ", ".join(unknown)}
        )
    repeated = sorted({key for key in columns if key and columns.count(key) > 1})
    if repeated:
        report.file_errors.append(
            _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(repeated)}
        )
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        report.file_errors.append(
            _("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )


def _child_key(name: str) -> str:
    return " ".join((name or "").casefold().split())


def _mark_duplicates(initiative, report: ImportReport) -> None:
    """Already registered (skipped) and repeated inside the file (an error)."""
    emails = {row.data["email"] for row in report.rows if row.data.get("email")}
    registered = set(
        Participant.objects.filter(initiative=initiative, email__in=emails).values_list(
            "email", flat=True
        )
    )
    first_row = {}
    for row in report.rows:
        if row.data.get("age_band") == AgeBand.UNDER_13:
            continue
        email = row.data.get("email")
        if not email:
            continue
        if email in registered:
            row.already_registered = True
        elif email in first_row:
            row.errors.append(
                _("The same email as row %(row)d (one registration per person).")
                % {"row": first_row[email]}
            )
        else:
            first_row[email] = row.number
    _mark_children(
        initiative, [r for r in report.rows if r.data.get("age_band") == AgeBand.UNDER_13]
    )


def _mark_children(initiative, rows: list) -> None:
    """Children under 13, who have no email of their own: one is already registered when the
    same guardian has a registration for a child of the same name. Until the guardian
    consents, a child's registration holds no name, so the guardian's nameless registrations
    are matched one for one with the rows not matched by name: re-importing creates nobody
    twice, and a brother or sister with another name is still imported. A row without the
    child's name is taken as one of the guardian's children not matched by name."""
    rows = [row for row in rows if row.data.get("guardian_email")]
    if not rows:
        return
    named = defaultdict(Counter)  # guardian email -> the names of their children registered
    nameless = Counter()  # guardian email -> their children registered without a name yet
    for guardian, name in Participant.objects.filter(
        initiative=initiative,
        age_band=AgeBand.UNDER_13,
        guardian_email__in={row.data["guardian_email"] for row in rows},
    ).values_list("guardian_email", "name"):
        if _child_key(name):
            named[guardian][_child_key(name)] += 1
        else:
            nameless[guardian] += 1
    pending, first_row = [], {}
    for row in rows:
        guardian, child = row.data["guardian_email"], _child_key(row.data.get("name"))
        if child and named[guardian][child]:
            row.already_registered = True
        elif child and (guardian, child) in first_row:
            row.errors.append(
                _("The same child and guardian as row %(row)d.")
                % {"row": first_row[guardian, child]}
            )
        else:
            first_row.setdefault((guardian, child), row.number)
            pending.append(row)
    matched = {(row.data["guardian_email"], _child_key(row.data.get("name"))) for row in rows}
    unmatched_named = Counter(
        {
            guardian: sum(n for name, n in names.items() if (guardian, name) not in matched)
            for guardian, names in named.items()
        }
    )
    for pool, eligible in (
        (nameless, lambda row: True),
        (unmatched_named, lambda row: not _child_key(row.data.get("name"))),
    ):
        for row in pending:
            guardian = row.data["guardian_email"]
            if not row.already_registered and eligible(row) and pool[guardian] > 0:
                pool[guardian] -= 1
                row.already_registered = True


def check_file(*, initiative, content: bytes) -> tuple[ImportReport, str]:
    """Decode and check an uploaded file: (report, decoded text)."""
    try:
        text, notes = decode(content)
    except DomainError as error:
        return ImportReport(file_errors=[error.message]), ""
    return check_text(initiative=initiative, text=text, notes=notes), text


def template_csv() -> str:
    """An empty sign-in sheet with the expected columns (UTF-8 with a BOM for Excel)."""
    return "\ufeff" + ",".join(sheet_columns()) + "\r\n"


# --- the file waiting to be imported ---------------------------------------------------------------


@transaction.atomic
def import_upload_create(*, initiative, user, text: str, report: ImportReport) -> ImportUpload:
    """Keep a checked file until `user` imports it or not. One waiting file per person and
    initiative: a new upload replaces the previous one."""
    ImportUpload.objects.filter(initiative=initiative, uploaded_by=user).delete()
    upload = ImportUpload(
        initiative=initiative,
        uploaded_by=user,
        content=text,
        digest=report.digest,
        notes=[str(note) for note in report.notes],
    )
    upload.full_clean()
    upload.save()
    return upload


def import_upload_for(*, initiative, user, pk) -> ImportUpload | None:
    """The file `user` uploaded to `initiative` and has neither imported nor cancelled; None
    when it is gone, too old, someone else's, or `pk` is not a number."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return ImportUpload.objects.filter(
        initiative=initiative,
        uploaded_by=user,
        pk=pk,
        created_at__gte=timezone.now() - UPLOAD_KEEP,
    ).first()


def import_upload_report(upload: ImportUpload) -> ImportReport:
    """Check the waiting file again, against the registrations as they are now."""
    return check_text(initiative=upload.initiative, text=upload.content, notes=upload.notes)


@transaction.atomic
def import_upload_delete(*, upload: ImportUpload) -> None:
    """The organizer chose to import nothing: forget the file."""
    ImportUpload.objects.filter(pk=upload.pk).delete()


@transaction.atomic
def import_uploads_purge_stale(*, now=None) -> int:
    """Delete the files that waited longer than UPLOAD_KEEP without being imported or
    cancelled. Run every hour by beat."""
    cutoff = (now or timezone.now()) - UPLOAD_KEEP
    deleted, _rows = ImportUpload.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def import_review_record(*, initiative, user, report: ImportReport) -> None:
    """Log that `user` was shown the rows of a sign-in sheet (their names and emails): counts
    only."""
    activity_record(
        initiative=initiative,
        actor=user,
        action="participants.import_reviewed",
        details={
            "rows": len(report.rows),
            "valid": len(report.valid_rows),
            "rows_with_errors": len(report.error_rows),
            "already_registered": len(report.skipped_rows),
        },
    )


# --- importing -------------------------------------------------------------------------------------


@transaction.atomic
def import_valid_rows(
    *, initiative, user, report: ImportReport, upload: ImportUpload | None = None
) -> ImportResult:
    """Register every valid row, all in one transaction: if one is refused, none is saved.
    The waiting `upload` the report comes from is deleted in the same transaction; it is locked
    first, so a second click on "Import" waits and then finds it gone (UploadGone) instead of
    importing the children under 13 twice."""
    if upload is not None:
        locked = ImportUpload.objects.select_for_update().filter(pk=upload.pk)
        if not list(locked.values_list("pk", flat=True)):
            raise UploadGone()
    if report.file_errors:
        raise DomainError(_("Nothing was imported: the file has problems to fix first."))
    imported = waitlisted = skipped = 0
    for row in report.valid_rows:
        try:
            result = registration.participant_register(
                initiative=initiative,
                data=row.data,
                consents=row.consents,
                source=Source.IMPORT,
                registered_by=user,
            )
        except registration.DuplicateRegistration:
            skipped += 1  # registered meanwhile: the same as already registered
            continue
        except DomainError as error:
            raise ImportFailed(row.number, str(error.message)) from error
        except ValidationError as error:
            raise ImportFailed(row.number, "; ".join(error.messages)) from error
        imported += 1
        waitlisted += int(result.waitlisted)
    skipped += len(report.skipped_rows)
    activity_record(
        initiative=initiative,
        actor=user,
        action="participants.imported",
        details={
            "imported": imported,
            "waitlisted": waitlisted,
            "skipped": skipped,
            "rows_with_errors": len(report.error_rows),
        },
    )
    if upload is not None:
        ImportUpload.objects.filter(pk=upload.pk).delete()
    return ImportResult(imported=imported, waitlisted=waitlisted, skipped=skipped)
