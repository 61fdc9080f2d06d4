"""Date formats of the site, one human style per language (settings.FORMAT_MODULE_PATH).

Django's "short" formats are numeric (11/22/2026 in English, 22/11/2026 in Spanish), so a page
that used both the long and the short format mixed "11/22/2026" with "Nov. 29, 2026". Here the
short formats are the written ones, so `|date:"SHORT_DATE_FORMAT"` and `|date:"DATE_FORMAT"`
read alike. Anything not set here falls back to Django's own formats for the language.
https://docs.djangoproject.com/en/5.2/topics/i18n/formatting/#creating-custom-format-files
"""
