"""A tab showing an image (no <link rel="icon"> of its own) makes Chromium ask for /favicon.ico
without cookies. That request must not hand the visitor a CSRF cookie: arriving at the same time
as a form page's own cookie, it replaced it, and the form's sign-in was refused as forged."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_image_in_a_tab_leaves_no_cookie(journey):
    j = journey("image-tab")  # its first tab shows the site's icon, an SVG image
    j.page.wait_for_load_state("networkidle")
    j.page.wait_for_timeout(300)

    assert j.page.context.cookies() == []
