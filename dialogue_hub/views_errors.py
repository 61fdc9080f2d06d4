"""The page a refused form answers with (CSRF_FAILURE_VIEW). The other error pages are
Django's own handlers with our templates: 400.html, 403.html, 404.html and 500.html."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form without a valid CSRF token: the site's layout, saying what to do (Django's
    default is a bare page in English). `reason` is for the logs, never shown."""
    return render(request, "403_csrf.html", status=403)
