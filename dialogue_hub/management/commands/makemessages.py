"""`makemessages` that also reads `_lazy("…")`: the views import gettext_lazy under that name
(beside gettext as `_`), and without this their strings would fall out of the catalogue."""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_lazy"]
