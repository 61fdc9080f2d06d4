"""Production settings: refuse to start without secrets; pass `check --deploy` with them.
`make run`: serves on the port it is given, links its emails there, DEBUG off unless asked."""

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from honcho.environ import expand_processes, parse_procfile

from dialogue_hub.celery import app

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "dialogue_hub.settings.production",
    "DJANGO_SECRET_KEY": "a-very-long-random-production-secret-key-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "dialogue.example.org",
    "DATABASE_URL": "postgres://dialogue:secret@db:5432/dialogue",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp://mail:1025",
    "DIALOGUE_HUB_BASE_URL": "https://dialogue.example.org",
}


def run_manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DIALOGUE_HUB_"))
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOWED_HOSTS",
        "EMAIL_URL",
        "DIALOGUE_HUB_BASE_URL",
    ],
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_celery_is_configured_for_reliability():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def test_compose_runs_every_app_service_from_one_image():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"db", "redis", "web", "proxy", "worker", "beat", "mail"} <= set(services)
    app_services = [services[name] for name in ("web", "worker", "beat", "migrate")]
    assert len({s["image"] for s in app_services}) == 1
    assert app_services[0]["image"].startswith("dialogue-hub:")
    assert all(s["build"] == "." for s in app_services)
    assert "gunicorn" in services["web"]["command"]
    # --quiet (no start-up banner: every line of their logs is JSON) is Celery's own option.
    worker, beat = (
        [w for w in services[n]["command"] if w != "--quiet"] for n in ("worker", "beat")
    )
    assert worker[:4] == ["celery", "-A", "dialogue_hub", "worker"]
    assert beat[:4] == ["celery", "-A", "dialogue_hub", "beat"]
    assert "--quiet" in services["worker"]["command"]
    assert "--quiet" in services["beat"]["command"]
    assert (
        services["web"]["environment"]["DJANGO_SETTINGS_MODULE"]
        == "dialogue_hub.settings.production"
    )


def test_compose_runs_several_web_replicas_behind_its_proxy():
    """`web` runs as replicas that only `proxy` (nginx, deploy/nginx.conf) reaches; nginx
    follows the replicas by name, passes the Host and the TLS proxy's X-Forwarded-Proto on and
    appends to X-Forwarded-For, and the app trusts exactly the two proxies: the host's TLS
    proxy and nginx (tests/test_several_nodes.py runs the nodes that way)."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    web, proxy = services["web"], services["proxy"]
    assert web["deploy"]["replicas"] >= 2
    assert "ports" not in web  # nobody reaches a replica around the proxy
    assert "deploy" not in services["beat"]  # one beat: each periodic task is sent once
    assert proxy["ports"] == ["127.0.0.1:8000:8000"]  # for the host's TLS proxy only
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    repository, _colon, tag = proxy["image"].partition(":")
    assert repository == "nginx"
    # `server … resolve` in an upstream block is in open-source nginx since 1.27.3.
    assert tuple(int(part) for part in tag.split("-")[0].split(".")) >= (1, 27, 3)
    [mount] = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (target, mode) == ("/etc/nginx/conf.d/default.conf", "ro")
    conf = " ".join((ROOT / source).read_text().split())
    for directive in (
        "listen 8000;",
        "server web:8000 resolve;",
        "proxy_pass http://web;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;",
    ):
        assert directive in conf, directive
    hops = compose["x-app"]["environment"]["DJANGO_TRUSTED_PROXY_HOPS"]
    assert INTERPOLATED.sub(lambda match: match.group(2) or "", hops) == "2"


# --- conventions: pinned images, every production variable in .env.example, pre-commit ----------

INTERPOLATED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?[^}]*\}")
PINNED_TAG = re.compile(r"^v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$")


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def test_compose_pins_every_image():
    """Every service runs an image at a release (no `latest`, no bare major): the app's own is
    built from the Dockerfile and tagged with the project's version."""
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        assert "image" in service, name
        image = INTERPOLATED.sub(lambda match: match.group(2) or "", service["image"])
        repository, _colon, tag = image.rpartition(":")
        assert repository, f"{name}: {service['image']} has no tag"
        assert "/" not in tag, f"{name}: {service['image']} has no tag"
        assert PINNED_TAG.match(tag), f"{name}: {service['image']} is not pinned to a release"
        if "build" in service:
            assert (repository, tag) == ("dialogue-hub", project_version()), name


ENV_ENTRY = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example() -> dict[str, str]:
    """.env.example's variables, set or commented out, with their example values; each entry
    must have its own comment right above it."""
    entries, previous = {}, ""
    for number, line in enumerate((ROOT / ".env.example").read_text().splitlines(), 1):
        if match := ENV_ENTRY.match(line):
            name, value = match.groups()
            assert name not in entries, f".env.example:{number}: {name} twice"
            commented = previous.startswith("#") and not ENV_ENTRY.match(previous)
            assert commented, f".env.example:{number}: no comment says what {name} does"
            entries[name] = value
        previous = line
    return entries


# Read by base.py and without effect in production (the test below checks it): not listed.
IGNORED_IN_PRODUCTION = {"DJANGO_DEBUG", "DJANGO_HTTP_PROTOCOL", "DIALOGUE_HUB_OUTBOX_DIR"}

READ_PRODUCTION_SETTINGS = """
import json
import environ
read = set()
get_value = environ.Env.get_value
def recording(self, var, *args, **kwargs):
    read.add(var)
    return get_value(self, var, *args, **kwargs)
environ.Env.get_value = recording
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "read": sorted(read),
    "debug": settings.DEBUG,
    "protocol": settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
    "email_backend": settings.EMAIL_BACKEND,
}))
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
"""


def test_env_example_lists_every_production_variable():
    """Every variable the production settings read (base.py's included, recorded as they are
    read) and every one docker-compose.yml interpolates is in .env.example, and nothing else;
    its example values, secrets filled in, give settings that pass `check --deploy`."""
    listed = env_example()
    compose = {m.group(1) for m in INTERPOLATED.finditer((ROOT / "docker-compose.yml").read_text())}
    values = {name: value or PRODUCTION_ENV.get(name, "x") for name, value in listed.items()}
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DIALOGUE_HUB_"))
        and not k.startswith("CELERY_")
    }
    ignored = {"DJANGO_DEBUG": "true", "DJANGO_HTTP_PROTOCOL": "http"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", READ_PRODUCTION_SETTINGS],
        cwd=ROOT,
        env={
            **clean,
            **values,
            **ignored,
            "DJANGO_SETTINGS_MODULE": "dialogue_hub.settings.production",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    read = set(seen["read"])
    assert read - IGNORED_IN_PRODUCTION - set(listed) == set(), "not in .env.example"
    assert compose - set(listed) == set(), "not in .env.example"
    assert set(listed) - read - compose == set(), "in .env.example, read by nobody"
    assert read >= IGNORED_IN_PRODUCTION  # still read, and without effect:
    assert seen["debug"] is False
    assert seen["protocol"] == "https"
    assert seen["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"


def test_pre_commit_runs_ruff_at_the_pinned_version():
    import yaml

    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "requirements/dev.txt").read_text(), re.M)
    hooks = [
        hook
        for repo in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
        for hook in repo["hooks"]
    ]
    entries = {
        hook["entry"].split()[:2][-1]: hook for hook in hooks if hook["entry"].startswith("ruff ")
    }
    assert set(entries) == {"check", "format"}
    for hook in entries.values():
        assert hook["additional_dependencies"] == [f"ruff=={pinned.group(1)}"], hook["id"]


def test_test_settings_compile_each_template_once_and_hash_fast():
    from django.conf import settings
    from django.template import engines

    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert [engine.name for engine in engines.all()] == ["django", "text"]
    for engine in engines.all():
        loaders = engine.engine.template_loaders
        assert [type(loader).__module__ for loader in loaders] == [
            "django.template.loaders.cached"
        ], engine.name


# --- `make run`: the port it serves is the port its emails link to; DEBUG off unless asked -----


def make_run_command(*make_args) -> tuple[dict, int]:
    """What `make run` would start (make -n): the environment it gives honcho and the port."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "DIALOGUE_HUB_BASE_URL")}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "-n", "run", *make_args],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if "honcho" in line)
    words = shlex.split(line)
    honcho = next(i for i, word in enumerate(words) if word.endswith("honcho"))
    assignments = dict(word.split("=", 1) for word in words[:honcho] if "=" in word)
    options = words[honcho + 1 :]
    assert options[options.index("-f") + 1] == "Procfile.dev", line
    # honcho's first port: -p, else $PORT (make passes `PORT=…` on to its commands), else 5000.
    given = dict(arg.split("=", 1) for arg in make_args)
    port = options[options.index("-p") + 1] if "-p" in options else given.get("PORT", 5000)
    return {**given, **assignments}, int(port)


def started_processes(assignments: dict, port: int) -> dict:
    """Each process honcho starts from Procfile.dev: name -> (its command line, expanded by the
    shell as honcho does, and its environment)."""
    procfile = parse_procfile((ROOT / "Procfile.dev").read_text(encoding="utf-8"))
    started = {}
    for process in expand_processes(procfile.processes, env=assignments, port=port):
        env = {**os.environ, **assignments, **process.env}
        command = subprocess.run(  # noqa: S603 - our own Procfile, echoed, not run
            ["/bin/sh", "-c", f"echo {process.cmd}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        started[process.name.split(".")[0]] = (command, env)
    return started


@pytest.mark.parametrize(("make_args", "port"), [((), 8000), (("PORT=8101",), 8101)])
def test_make_run_serves_and_links_on_the_port_it_is_given(make_args, port):
    processes = started_processes(*make_run_command(*make_args))
    assert set(processes) == {"web", "worker", "beat"}
    web_command, _env = processes["web"]
    assert "runserver" in web_command
    assert f"127.0.0.1:{port}" in web_command.split()
    for name, (_command, env) in processes.items():
        assert env.get("DIALOGUE_HUB_BASE_URL") == f"http://127.0.0.1:{port}", name


SERVE_CHECK = """
import json
from django.conf import settings
from django.test import Client
client = Client()
seen = {"debug": settings.DEBUG}
for host in ("127.0.0.1:8101", "localhost:8101"):
    response = client.get("/no/such/page/", HTTP_HOST=host)
    body = response.content.decode()
    seen[host] = [response.status_code, "URLconf" in body, "/static/css/app.css" in body]
css = client.get("/static/css/app.css", HTTP_HOST="127.0.0.1:8101")
seen["css"] = [css.status_code, css.get("Content-Type", "")]
print(json.dumps(seen))
"""


def test_make_run_serves_without_debug_unless_a_developer_asks(tmp_path):
    # `make run`'s settings (manage.py's default), on a database with no tables: the error
    # page and the static files must need none.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = run_manage("shell", "-c", SERVE_CHECK, env=env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    for host in ("127.0.0.1:8101", "localhost:8101"):
        status, lists_patterns, styled = seen[host]
        assert status == 404, host  # our 404 page, not 400 for a host that is not allowed
        assert not lists_patterns, host
        assert styled, host
    assert seen["css"][0] == 200
    assert seen["css"][1].startswith("text/css")

    debug = run_manage("shell", "-c", SERVE_CHECK, env={**env, "DJANGO_DEBUG": "true"})
    assert json.loads(debug.stdout.strip().splitlines()[-1])["debug"] is True


def test_no_settings_module_reads_an_env_file():
    # docker compose's .env holds production values (allowed hosts, secrets): read by the
    # settings, it would change what make test checks and make run serves.
    readers = [
        path.name
        for path in (ROOT / "dialogue_hub" / "settings").glob("*.py")
        if "read_env" in path.read_text(encoding="utf-8")
    ]
    assert readers == []


# --- Parallel tests: each worker has a Redis database of its own, and Redis has 16 -----------


def settings_of_worker(worker: str) -> subprocess.CompletedProcess:
    code = "import dialogue_hub.settings.test as s; print(s.REDIS_URL)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "PYTEST_XDIST"))}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PYTEST_XDIST_WORKER": worker, "REDIS_URL": "redis://127.0.0.1:6379/0?x=1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_each_test_worker_gets_its_own_redis_database_up_to_the_last_one():
    first, last = settings_of_worker("gw0"), settings_of_worker("gw14")
    assert first.stdout.strip() == "redis://127.0.0.1:6379/1?x=1", first.stderr
    assert last.stdout.strip() == "redis://127.0.0.1:6379/15?x=1", last.stderr


def test_a_worker_past_redis_databases_stops_with_what_to_do():
    result = settings_of_worker("gw15")
    assert result.returncode != 0
    assert "would need Redis database 16" in result.stderr
    assert "TEST_WORKERS=15" in result.stderr


def test_make_test_caps_automatic_workers_at_the_redis_databases():
    dry_run = subprocess.run(
        ["make", "-n", "test"],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "--maxprocesses 15" in next(line for line in dry_run.splitlines() if "pytest" in line)
