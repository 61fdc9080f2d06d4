"""/favicon.ico, which browsers ask for where a document names no icon, answers with the site's
icon and sets no cookie: as a 404 in the site's layout it issued a CSRF cookie to a visitor who had
none yet, overwriting the one of the form they were filling in (a sign-in refused as forged)."""

from django.templatetags.static import static


def test_favicon_redirects_to_the_icon_and_sets_no_cookie(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    assert not response.cookies, f"/favicon.ico set {list(response.cookies)}"
    assert "max-age=86400" in response["Cache-Control"]


def test_a_missing_page_still_issues_a_csrf_cookie_to_carry_its_form(client):
    # The contrast that makes the first test meaningful: an unknown address renders the 404 page,
    # whose layout has the language form and so issues a CSRF cookie.
    response = client.get("/favicon-missing.ico")

    assert response.status_code == 404
    assert "csrftoken" in response.cookies
