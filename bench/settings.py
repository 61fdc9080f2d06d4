"""Settings for the page benchmark (bench/pages.py): production settings, plus bench/urls.py
(the project's URLs and a trivial `bench/ok` view, the baseline)."""

from dialogue_hub.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
