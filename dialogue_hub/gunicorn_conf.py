"""gunicorn's settings for production (the Dockerfile's CMD and docker-compose.yml's `web`:
`gunicorn -c python:dialogue_hub.gunicorn_conf …`); the address and the number of workers stay
on the command line.

Its own lines and its access log are JSON, redacted like the app's (dialogue_hub/logs.py): an
access line shows `/registration/[redacted]/`, never a private link's token, and no client
address. DJANGO_LOG_LEVEL sets the level of gunicorn's own lines, as of the app's.
https://docs.gunicorn.org/en/stable/settings.html#logconfig-dict
"""

import os

from dialogue_hub.logs import gunicorn_config

logconfig_dict = gunicorn_config(level=os.environ.get("DJANGO_LOG_LEVEL", "INFO").upper())
# The access line's message; its fields are written by dialogue_hub.logs.AccessJsonFormatter.
access_log_format = "%(m)s %(U)s %(s)s"
