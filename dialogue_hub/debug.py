"""What error reports may show: the technical 500 report Django emails to ADMINS, and any
reporter built on it."""

from django.views.debug import SafeExceptionReporterFilter

# The password of a URL with credentials: Django hides settings by their name only.
from .error_reporting import URL_PASSWORD


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """In production (DEBUG off) error reports show no posted value and no local variable.

    Django's own filter hides only the POST fields a view marks with `sensitive_post_parameters`,
    and the local variables of the frames below that view still hold the same values (a login
    form's `cleaned_data` holds the password; the registration service's arguments hold a
    person's name, email and demographics). Nearly every form here carries personal data (staff
    entry, sign-in sheets, session logs of what people said), so the rule is simply: nothing
    typed in, nothing in memory. The report keeps the traceback with its source lines, the
    exception, the URL and the cleansed headers, which is what fixing an error needs.
    """

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        cleansed = request.POST.copy()
        for key in cleansed:
            cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            return URL_PASSWORD.sub(lambda m: m["head"] + str(self.cleansed_substitute), value)
        return value
