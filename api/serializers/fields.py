"""Serializer fields shared by the API's serializers."""

from rest_framework import serializers

from dialogue_hub import translated
from dialogue_hub.templatetags.choices import choice_label_of


class TranslatedField(serializers.CharField):
    """A text stored per language (modeltranslation): the reader's language (Accept-Language),
    else the other one, as the pages show it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, value):
        return str(translated.translated(value, self.source))


class LabelField(serializers.CharField):
    """The label of a choice field (what `get_<field>_display` gives), in the reader's language,
    from labels resolved once per language (`choice_label_of`: Django's builds the choices' dict
    on every call, a translation lookup per label, 20 ms of a page of 50 milestones)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, value):
        return str(choice_label_of(value, self.source))


class FigureSerializer(serializers.Serializer):
    """A count as anyone but the data steward may see it: `count` null and `suppressed` true
    when it is from 1 to 9 (or would give a hidden count back)."""

    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    suppressed = serializers.SerializerMethodField()

    def get_suppressed(self, figure) -> bool:
        return figure.count is None


class LicenseSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()
