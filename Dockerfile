# One image for every app service: web (gunicorn), Celery worker and Celery beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=dialogue_hub.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 app
# Pango (and its fonts) for WeasyPrint, which renders the evaluation report as a PDF.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
# collectstatic needs settings but no real secrets or services.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://build:6379/0 EMAIL_URL=consolemail:// DIALOGUE_HUB_BASE_URL=http://build \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R app:app /app/var
USER app
EXPOSE 8000
# Logging (JSON, the access log's tokens redacted) comes from the config module.
CMD ["gunicorn", "--config", "python:dialogue_hub.gunicorn_conf", "dialogue_hub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
