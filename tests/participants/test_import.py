"""CSV import of paper sign-in sheets: every row is checked first and reported; the valid rows
are imported all together in one transaction or not at all; re-importing creates nobody twice
(children under 13 included); the file waits in a staging row only its uploader can use, never
in the session, and is gone after import, cancel or a day; every look at its rows is logged;
malformed files get a clear message, never a 500."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role
from participants import tasks
from participants.forms.staff import ImportUploadForm
from participants.models import (
    Consent,
    ConsentGiver,
    ImportUpload,
    Participant,
    RegistrationSettings,
    Source,
)
from participants.services import imports
from participants.services import registration as services
from participants.services.public import guardian_consent

from ..factories import (
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HEADER = ",".join(imports.COLUMNS)


def sheet(*rows, header=HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def row(**values) -> str:
    defaults = {
        "name": "Ana Torres",
        "email": "ana@example.net",
        "role_category": "resident",
        "age_band": "25-34",
        "neighborhood": "Eastside",
    }
    merged = {**defaults, **values}
    return ",".join(merged.get(column, "") for column in imports.COLUMNS)


@pytest.fixture
def setup(initiative):
    RegistrationSettingsFactory(initiative=initiative)
    return initiative


@pytest.fixture
def staff(client, setup, organizer):
    client.force_login(organizer)
    return client


def url(name, initiative):
    return reverse(f"participants:{name}", args=[initiative.slug])


def upload(client, initiative, content: bytes, name="sheet.csv"):
    return client.post(
        url("import", initiative), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def waiting(initiative) -> ImportUpload:
    return ImportUpload.objects.filter(initiative=initiative).latest("pk")


def review_url(initiative, upload=None):
    upload = upload or waiting(initiative)
    return url("import_review", initiative) + f"?upload={upload.pk}"


def review(client, initiative):
    response = client.get(review_url(initiative))
    assert response.status_code == 200
    return response


def confirm(client, initiative, choice="import"):
    upload = waiting(initiative)
    report = review(client, initiative).context["report"]
    return client.post(
        url("import_review", initiative),
        {
            "upload": upload.pk,
            "digest": report.digest,
            "expected": len(report.valid_rows),
            "choice": choice,
        },
    )


def shown_report(response):
    """The report of an upload with nothing to import: shown at once, nothing kept."""
    assert response.status_code == 200
    return response.context["report"]


MIXED = sheet(
    row(name="Ana Torres", email="ana@example.net", consent_evaluation="yes"),
    row(name="Bad Email", email="not-an-email"),
    row(name="Ben Okafor", email="ben@example.net", role_category="Sworn police officer"),
    row(name="Lost Soul", email="lost@example.net", neighborhood="Atlantis"),
    row(name="Kid NoGuardian", email="kid@example.net", age_band="13-17"),
    row(name="Ana Again", email="ANA@example.net"),
    row(name="Old Timer", email="old@example.net", age_band="150"),
    row(name="Odd Role", email="odd@example.net", role_category="astronaut"),
    row(name="", email="noname@example.net"),
    row(
        name="Lucía Pérez",
        email="lucia@example.net",
        role_category="YOUNG PERSON",
        age_band="16",
        guardian_name="Marta Pérez",
        guardian_email="marta@example.net",
        preferred_language="Español",
        availability="tuesday evening; Saturday morning",
        accessibility_needs="Childcare;transport",
        how_heard="Flyer or poster",
        consent_media="x",
        consent_contact="no",
    ),
)


# --- the report ------------------------------------------------------------------------------------


def test_mixed_file_reports_each_bad_row_with_its_reason_and_saves_nothing(staff, setup):
    response = upload(staff, setup, MIXED)
    assert response.status_code == 302
    assert response["Location"] == review_url(setup)

    page = review(staff, setup)
    report = page.context["report"]
    html = page.content.decode()

    assert [r.number for r in report.valid_rows] == [2, 4, 11]
    problems = {r.number: " ".join(str(e) for e in r.errors) for r in report.error_rows}
    assert "not a valid email address" in problems[3]
    assert "Unknown neighborhood “Atlantis”" in problems[5]
    assert "guardian" in problems[6]
    assert "same email as row 2" in problems[7]
    assert "not a possible age" in problems[8]
    assert "Unknown role “astronaut”" in problems[9]
    assert "name is missing" in problems[10]
    assert "Import the 3 valid rows" in html
    assert "Unknown neighborhood" in html
    assert not Participant.objects.exists()


def test_labels_and_codes_are_accepted_case_insensitively(setup):
    report = imports.check_text(initiative=setup, text=MIXED.decode())
    lucia = next(r for r in report.rows if r.email == "lucia@example.net")

    assert lucia.errors == []
    assert lucia.data["role_category"] == "young_person"
    assert lucia.data["age_band"] == "13_17"
    assert lucia.data["preferred_language"] == "es"
    assert lucia.data["availability"] == ["Tuesday evening", "Saturday morning"]
    assert lucia.data["accessibility_needs"] == ["childcare", "transport"]
    assert lucia.data["how_heard"] == "flyer"
    assert lucia.consents == {"participation", "media"}


def test_import_nothing_saves_nothing_and_forgets_the_file(staff, setup):
    upload(staff, setup, MIXED)
    old_review = review_url(setup)

    response = confirm(staff, setup, choice="nothing")

    assert response.status_code == 302
    assert not Participant.objects.exists()
    assert not ImportUpload.objects.exists()
    assert staff.get(old_review).status_code == 302  # nothing waiting any more


def test_after_import_no_staging_row_remains(staff, setup):
    upload(staff, setup, MIXED)
    old_review = review_url(setup)

    confirm(staff, setup)

    assert Participant.objects.count() == 3
    assert not ImportUpload.objects.exists()
    assert staff.get(old_review).status_code == 302


def test_the_file_is_never_kept_in_the_session(staff, setup):
    upload(staff, setup, MIXED)
    review(staff, setup)

    for session in Session.objects.all():
        stored = str(session.get_decoded())
        assert "ana@example.net" not in stored
        assert "Lucía" not in stored
    assert "Ana Torres" in waiting(setup).content


def test_a_second_click_on_import_imports_nothing_more(staff, setup):
    content = sheet(
        row(name="Little One", email="", age_band="9", guardian_email="parent@example.net"),
        row(name="Ana Torres", email="ana@example.net"),
    )
    upload(staff, setup, content)
    pending = waiting(setup)
    report = review(staff, setup).context["report"]
    data = {"upload": pending.pk, "digest": report.digest, "expected": 2, "choice": "import"}

    first = staff.post(url("import_review", setup), data)
    second = staff.post(url("import_review", setup), data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == url("import", setup)
    assert Participant.objects.count() == 2


def test_a_new_upload_replaces_the_one_waiting(staff, setup):
    upload(staff, setup, MIXED)
    first = waiting(setup)

    upload(staff, setup, sheet(row(email="zed@example.net")))

    assert list(ImportUpload.objects.all()) == [waiting(setup)]
    assert staff.get(review_url(setup, first)).status_code == 302


def test_stale_uploads_are_purged_by_the_beat_task(staff, setup, organizer):
    upload(staff, setup, MIXED)
    stale = waiting(setup)
    ImportUpload.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=25))
    fresh = ImportUpload.objects.create(
        initiative=setup, uploaded_by=UserFactory(), content="name,email\r\n", digest="x"
    )

    assert staff.get(review_url(setup, stale)).status_code == 302  # too old to use already
    assert tasks.import_uploads_purge_stale() == 1

    assert list(ImportUpload.objects.all()) == [fresh]


def test_the_beat_schedule_runs_the_purge_every_hour():
    from dialogue_hub.celery import app

    entry = app.conf.beat_schedule["purge-stale-import-uploads"]
    assert entry["task"] == "participants.tasks.import_uploads_purge_stale"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == set(range(24))


def test_each_showing_of_the_rows_is_logged_with_counts_only(staff, setup, organizer):
    upload(staff, setup, MIXED)

    review(staff, setup)
    review(staff, setup)

    entries = ActivityLogEntry.objects.filter(action="participants.import_reviewed")
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == organizer
    assert entry.details == {
        "rows": 10,
        "valid": 3,
        "rows_with_errors": 7,
        "already_registered": 0,
    }
    assert "@" not in str(entry.details) + entry.target_label
    assert "Ana" not in str(entry.details) + entry.target_label
    assert entry.describe() != entry.action


def test_a_file_with_only_errors_is_logged_when_shown_and_not_kept(staff, setup):
    report = shown_report(upload(staff, setup, sheet(row(email="not-an-email"))))

    assert len(report.error_rows) == 1
    assert not ImportUpload.objects.exists()
    assert ActivityLogEntry.objects.filter(action="participants.import_reviewed").count() == 1


def test_importing_the_valid_rows_saves_exactly_them_in_one_go(
    staff, setup, organizer, django_capture_on_commit_callbacks
):
    upload(staff, setup, MIXED)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(staff, setup)

    assert response.status_code == 302
    assert "source=import" in response["Location"]
    people = Participant.objects.filter(initiative=setup)
    assert sorted(people.values_list("email", flat=True)) == [
        "ana@example.net",
        "ben@example.net",
        "lucia@example.net",
    ]
    assert set(people.values_list("source", flat=True)) == {Source.IMPORT}
    assert set(people.values_list("registered_by", flat=True)) == {organizer.pk}
    ana = people.get(email="ana@example.net")
    assert set(Consent.objects.filter(participant=ana).values_list("kind", flat=True)) == {
        "participation",
        "evaluation",
    }
    assert set(Consent.objects.values_list("given_by", flat=True)) == {ConsentGiver.PAPER}
    lucia = people.get(email="lucia@example.net")
    assert lucia.guardian_email == "marta@example.net"
    assert lucia.needs_guardian_consent
    entry = ActivityLogEntry.objects.get(action="participants.imported")
    assert entry.details == {
        "imported": 3,
        "waitlisted": 0,
        "skipped": 0,
        "rows_with_errors": 7,
    }
    assert "ana@" not in str(entry.details) + entry.target_label


def test_the_same_file_again_creates_nobody_and_reports_already_registered(staff, setup):
    upload(staff, setup, MIXED)
    confirm(staff, setup)
    assert Participant.objects.count() == 3

    page = upload(staff, setup, MIXED)
    report = shown_report(page)

    assert report.valid_rows == []
    assert sorted(r.email for r in report.skipped_rows) == [
        "ANA@example.net",
        "ana@example.net",
        "ben@example.net",
        "lucia@example.net",
    ]
    assert "Already registered — skipped." in page.content.decode()
    assert "Import the" not in page.content.decode()
    assert Participant.objects.count() == 3


def test_a_row_refused_at_import_time_rolls_back_every_row(setup, organizer, monkeypatch):
    report = imports.check_text(initiative=setup, text=MIXED.decode())
    real_register = services.participant_register

    def register(**kwargs):
        if kwargs["data"]["email"] == "lucia@example.net":
            raise DomainError("the initiative is full for young people")
        return real_register(**kwargs)

    monkeypatch.setattr(services, "participant_register", register)

    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_valid_rows(initiative=setup, user=organizer, report=report)

    assert failure.value.row_number == 11
    assert "row 11" in failure.value.message
    assert not Participant.objects.exists()
    assert not Consent.objects.exists()
    assert not ActivityLogEntry.objects.filter(action="participants.imported").exists()


def test_an_import_time_refusal_is_shown_on_the_report_page(staff, setup, monkeypatch):
    upload(staff, setup, MIXED)

    def refuse(**kwargs):
        raise DomainError("refused")

    monkeypatch.setattr(services, "participant_register", refuse)
    response = confirm(staff, setup)

    assert response.status_code == 200
    assert "Nothing was imported: row 2 was refused" in response.content.decode()
    assert not Participant.objects.exists()


def test_when_registrations_changed_meanwhile_the_report_is_shown_again(staff, setup):
    upload(staff, setup, MIXED)
    report = review(staff, setup).context["report"]
    ParticipantFactory(initiative=setup, email="ben@example.net")  # registered meanwhile

    response = staff.post(
        url("import_review", setup),
        {
            "upload": waiting(setup).pk,
            "digest": report.digest,
            "expected": len(report.valid_rows),
            "choice": "import",
        },
    )

    assert response.status_code == 200
    assert "Registrations changed" in response.content.decode()
    assert Participant.objects.count() == 1
    assert ImportUpload.objects.exists()  # still waiting for the organizer's new decision


def test_a_tampered_digest_imports_nothing(staff, setup):
    upload(staff, setup, MIXED)

    response = staff.post(
        url("import_review", setup),
        {"upload": waiting(setup).pk, "digest": "0" * 64, "expected": 3, "choice": "import"},
    )

    assert response.status_code == 302
    assert not Participant.objects.exists()


def test_a_missing_or_bad_upload_id_is_refused_without_a_500(staff, setup):
    upload(staff, setup, MIXED)
    digest = waiting(setup).digest

    for value in ("", "abc", "-1", "999999", "9" * 30):
        response = staff.post(
            url("import_review", setup),
            {"upload": value, "digest": digest, "expected": 3, "choice": "import"},
        )
        assert response.status_code == 302
        assert staff.get(url("import_review", setup) + f"?upload={value}").status_code == 302
    assert not Participant.objects.exists()


def test_the_stored_file_belongs_to_one_initiative(client, setup, other_initiative, organizer):
    RegistrationSettingsFactory(initiative=other_initiative)
    MembershipFactory(user=organizer, initiative=other_initiative, role=Role.ORGANIZER)
    client.force_login(organizer)
    upload(client, setup, MIXED)
    pending = waiting(setup)

    response = client.get(url("import_review", other_initiative) + f"?upload={pending.pk}")

    assert response.status_code == 302


def test_the_stored_file_is_usable_only_by_who_uploaded_it(client, staff, setup):
    upload(staff, setup, MIXED)
    pending = waiting(setup)
    colleague = UserFactory()
    MembershipFactory(user=colleague, initiative=setup, role=Role.ORGANIZER)
    client.force_login(colleague)

    page = client.get(review_url(setup, pending))
    post = client.post(
        url("import_review", setup),
        {"upload": pending.pk, "digest": pending.digest, "expected": 3, "choice": "import"},
    )

    assert page.status_code == post.status_code == 302
    assert b"ana@example.net" not in page.content
    assert not Participant.objects.exists()
    assert ImportUpload.objects.filter(pk=pending.pk).exists()


# --- malformed files --------------------------------------------------------------------------------


def file_errors(client, initiative, content: bytes, name="sheet.csv"):
    response = upload(client, initiative, content, name)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        return [str(e) for e in response.context["form"].errors.get("file", [])]
    return [str(e) for e in review(client, initiative).context["report"].file_errors]


def test_an_empty_file_is_a_clear_message(staff, setup):
    assert file_errors(staff, setup, b"")
    assert file_errors(staff, setup, b"  \r\n \r\n")


def test_a_header_without_rows_is_a_clear_message(staff, setup):
    errors = file_errors(staff, setup, sheet())
    assert any("no rows" in e for e in errors)


def test_no_header_is_a_clear_message(setup):
    report = imports.check_text(initiative=setup, text="\r\n\r\n")
    assert any("no header" in str(e) for e in report.file_errors)


def test_binary_garbage_is_a_clear_message(staff, setup):
    garbage = bytes(range(256)) * 20
    errors = file_errors(staff, setup, garbage, name="photo.jpg")
    assert any("does not look like a CSV file" in e for e in errors)


def test_missing_required_columns_are_reported(staff, setup):
    errors = file_errors(staff, setup, sheet("Ana,Eastside", header="name,neighborhood"))
    assert any("Missing required columns: email" in e for e in errors)
    assert not Participant.objects.exists()


def test_unknown_columns_block_the_import_so_nothing_is_lost(staff, setup):
    errors = file_errors(
        staff, setup, sheet("Ana,ana@example.net,Likes dogs", header="name,email,notes")
    )
    assert any("Unknown columns: notes" in e for e in errors)


def test_human_headers_and_aliases_are_understood(setup):
    report = imports.check_text(
        initiative=setup, text="Name,E-mail,Role,Age\r\nAna,ana@example.net,Resident,30\r\n"
    )
    assert report.file_errors == []
    assert report.rows[0].errors == []
    assert report.rows[0].data["age_band"] == "25_34"


def test_semicolon_separated_files_from_european_excel_are_read(setup):
    text = "name;email;availability\r\nAna;ana@example.net;Tuesday evening\r\n"
    report = imports.check_text(initiative=setup, text=text)
    assert report.file_errors == []
    assert report.rows[0].data["availability"] == ["Tuesday evening"]


def test_windows_1252_falls_back_with_a_note_and_keeps_accents(staff, setup):
    content = "name,email\r\nJosé Núñez,jose@example.net\r\n".encode("cp1252")

    upload(staff, setup, content)
    report = review(staff, setup).context["report"]

    assert report.rows[0].name == "José Núñez"
    assert any("not in UTF-8" in str(note) for note in report.notes)


def test_utf8_with_bom_and_utf16_are_read(setup):
    text = "name,email\r\nZoë Ångström,zoe@example.net\r\n"
    for content in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16")):
        decoded, notes = imports.decode(content)
        report = imports.check_text(initiative=setup, text=decoded, notes=notes)
        assert report.file_errors == []
        assert report.rows[0].name == "Zoë Ångström"
        assert notes == []


def test_a_file_holds_at_most_1000_rows_and_the_page_says_so(staff, setup):
    assert imports.MAX_ROWS == 1000
    assert "1,000 rows" in str(ImportUploadForm().fields["file"].help_text)
    assert "At most 1000 rows per file" in staff.get(url("import", setup)).content.decode()
    content = sheet(*[row(email=f"p{n}@example.net") for n in range(1001)])

    errors = file_errors(staff, setup, content)

    assert any("more than 1000 rows" in e for e in errors)
    assert not ImportUpload.objects.exists()


def test_too_many_rows_is_a_clear_message(staff, setup, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    content = sheet(*[row(email=f"p{n}@example.net") for n in range(4)])

    errors = file_errors(staff, setup, content)

    assert any("more than 3 rows" in e for e in errors)


def test_a_file_too_large_is_refused_before_reading(staff, setup, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    errors = file_errors(staff, setup, sheet(*[row(email=f"p{n}@x.net") for n in range(10)]))
    assert any("too large" in e for e in errors)


def test_impossible_ages_and_age_bands_are_row_errors(setup):
    text = sheet(
        row(email="a@example.net", age_band="-4"),
        row(email="b@example.net", age_band="200-300"),
        row(email="c@example.net", age_band="65+"),
        row(email="d@example.net", age_band="Under 13", guardian_email="g@example.net"),
    ).decode()

    rows = imports.check_text(initiative=setup, text=text).rows

    assert "not a possible age" in rows[0].errors[0]
    assert "Unknown age band" in rows[1].errors[0]
    assert rows[2].errors == []
    assert rows[3].errors == []
    assert rows[3].data["age_band"] == "under_13"


def test_a_row_with_more_cells_than_columns_is_an_error(setup):
    text = "name,email\r\nAna,ana@example.net,extra\r\n"
    report = imports.check_text(initiative=setup, text=text)
    assert "more cells than the header" in report.rows[0].errors[0]


def test_bad_consent_and_guardian_values_are_row_errors(setup):
    text = sheet(
        row(email="a@example.net", consent_media="maybe"),
        row(email="b@example.net", age_band="15", guardian_email="nope"),
    ).decode()

    rows = imports.check_text(initiative=setup, text=text).rows

    assert "yes or no" in rows[0].errors[0]
    assert "not a valid email address" in rows[1].errors[0]


def test_blank_lines_are_ignored_and_row_numbers_match_the_spreadsheet(setup):
    text = sheet(row(email="a@example.net"), ",,,", row(email="b@example.net")).decode()

    rows = imports.check_text(initiative=setup, text=text).rows

    assert [r.number for r in rows] == [2, 4]


def test_a_child_under_13_is_imported_once_with_only_the_guardian_contact(staff, setup):
    content = sheet(
        row(name="Little One", email="", age_band="9", guardian_email="parent@example.net")
    )
    upload(staff, setup, content)
    confirm(staff, setup)
    child = Participant.objects.get()
    assert child.name == ""
    assert child.guardian_email == "parent@example.net"

    report = shown_report(upload(staff, setup, content))
    assert len(report.skipped_rows) == 1
    assert report.valid_rows == []


def child(name, guardian="parent@example.net"):
    return row(name=name, email="", age_band="9", guardian_email=guardian)


def import_children(setup, organizer, *rows):
    report = imports.check_text(initiative=setup, text=sheet(*rows).decode())
    imports.import_valid_rows(initiative=setup, user=organizer, report=report)
    return report


def consent_for(participant, name):
    guardian_consent(participant=participant, consents={"participation"}, child_data={"name": name})


def test_a_child_whose_guardian_consented_is_not_imported_again(setup, organizer):
    import_children(setup, organizer, child("Little One"))
    consent_for(Participant.objects.get(), "Little One")

    report = import_children(setup, organizer, child("little  ONE"))

    assert [r.number for r in report.skipped_rows] == [2]
    assert Participant.objects.count() == 1


def test_a_sibling_with_another_name_is_still_imported(setup, organizer):
    import_children(setup, organizer, child("Little One"))
    consent_for(Participant.objects.get(), "Little One")

    report = import_children(setup, organizer, child("Little One"), child("Baby Two"))

    assert [r.number for r in report.valid_rows] == [3]
    assert Participant.objects.filter(guardian_email="parent@example.net").count() == 2


def test_a_sibling_is_imported_while_the_first_child_still_waits_for_consent(setup, organizer):
    import_children(setup, organizer, child("Little One"))

    report = import_children(setup, organizer, child("Little One"), child("Baby Two"))

    assert len(report.valid_rows) == 1
    assert len(report.skipped_rows) == 1
    assert Participant.objects.filter(guardian_email="parent@example.net").count() == 2


def test_re_importing_siblings_creates_nobody_twice_before_or_after_consent(setup, organizer):
    siblings = (child("Little One"), child("Baby Two"), child("Big Three", "other@example.net"))
    import_children(setup, organizer, *siblings)
    assert Participant.objects.count() == 3

    report = import_children(setup, organizer, *siblings)
    assert report.valid_rows == []
    assert len(report.skipped_rows) == 3

    first = Participant.objects.filter(guardian_email="parent@example.net").first()
    consent_for(first, "Baby Two")  # the guardian answers for either child first
    report = import_children(setup, organizer, *siblings)
    assert report.valid_rows == []
    assert Participant.objects.count() == 3


def test_a_child_without_a_name_in_the_sheet_matches_the_guardians_registration(setup, organizer):
    import_children(setup, organizer, child(""))
    consent_for(Participant.objects.get(), "Little One")

    report = import_children(setup, organizer, child(""))

    assert report.valid_rows == []
    assert Participant.objects.count() == 1


def test_the_same_child_twice_in_one_file_is_an_error(setup):
    text = sheet(child("Little One"), child("LITTLE ONE"), child("Baby Two")).decode()

    report = imports.check_text(initiative=setup, text=text)

    assert [r.number for r in report.valid_rows] == [2, 4]
    assert "same child and guardian as row 2" in report.error_rows[0].errors[0]


def test_import_beyond_the_cap_goes_to_the_waiting_list(staff, setup):
    RegistrationSettings.objects.filter(initiative=setup).update(max_participants=1)
    upload(staff, setup, sheet(row(email="a@example.net"), row(email="b@example.net")))

    response = confirm(staff, setup)

    assert response.status_code == 302
    assert sorted(Participant.objects.values_list("status", flat=True)) == [
        "confirmed",
        "waitlisted",
    ]


def test_template_csv_has_the_expected_headers(staff, setup):
    response = staff.get(url("import_template", setup))

    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    assert content.lstrip("\ufeff").strip() == HEADER
    report = imports.check_text(initiative=setup, text=content)
    assert report.file_errors == ["The file has a header but no rows of people."]


def test_upload_without_a_file_is_a_field_error(staff, setup):
    response = staff.post(url("import", setup), {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
