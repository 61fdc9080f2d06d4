"""One layout rule for every app (README, "How the code is organised"), checked on the tree and the
URL conf, so the next module or view follows it without anyone remembering:

- no module of app code is over 800 lines;
- a large app's layers (views, urls, forms, services, selectors) are packages with one module per
  feature under the same names; no `forms_x.py` / `services_x.py` beside them;
- a URL module holds more than one route;
- every view of the URL conf that accepts a POST is a ServiceFormView or a ServiceActionView,
  except the few listed below with the reason each cannot be;
- the DomainError-to-message mapping lives in the bases: views catch DomainError a handful of
  times at most.
"""

import ast
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dialogue_hub.editing import ServiceActionView, ServiceFormView

ROOT = Path(__file__).resolve().parents[2]
APPS = ["dialogue_hub", "initiatives", "participants", "guides", "actions", "evaluation", "api"]
LARGE_APPS = ["participants", "guides", "actions", "evaluation"]
LAYERS = ["views", "urls", "forms", "services", "selectors"]
MAX_LINES = 800


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_of_app_code_is_over_800_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in app_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def feature_modules(app: str, layer: str) -> set[str]:
    package = ROOT / app / layer
    return {path.stem for path in package.glob("*.py") if path.stem != "__init__"}


@pytest.mark.parametrize("app", LARGE_APPS)
def test_a_large_app_has_one_module_per_feature_in_every_layer(app):
    problems = []
    for layer in LAYERS:
        if not (ROOT / app / layer / "__init__.py").is_file():
            problems.append(f"{app}/{layer}/ is not a package")
    views = feature_modules(app, "views")
    if feature_modules(app, "urls") != views:
        problems.append(f"urls/ {sorted(feature_modules(app, 'urls'))} ≠ views/ {sorted(views)}")
    if extra := feature_modules(app, "forms") - views:
        problems.append(f"forms/ has modules for no page of views/: {sorted(extra)}")
    # A feature without pages of its own (reminders a Celery task plans, the registration every
    # way in shares) has services/selectors modules only; the package's docstring says what each
    # holds, so a reader finds it.
    for layer in ("services", "selectors"):
        package = ROOT / app / layer
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        for name in sorted(feature_modules(app, layer)):
            if f"{name}.py" not in docstring:
                problems.append(f"{app}/{layer}/__init__.py does not say what {name}.py holds")
    beside = sorted(
        path.name for path in (ROOT / app).glob("*.py") if path.stem.split("_")[0] in LAYERS
    )
    if beside:
        problems.append(f"layer modules beside the packages: {beside}")
    assert not problems, f"{app}: " + "; ".join(problems)


def url_modules():
    for app in APPS:
        yield from sorted((ROOT / app).rglob("urls*.py"))
        yield from sorted((ROOT / app).glob("urls/*.py"))


# The site's home page: the root URL conf includes it without a namespace (participants/urls/home.py).
ONE_ROUTE_ALLOWED = {"participants/urls/home.py"}


def test_no_url_module_holds_a_single_route():
    single = []
    for path in set(url_modules()):
        if str(path.relative_to(ROOT)) in ONE_ROUTE_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        routes = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("path", "re_path")
        ]
        if 0 < len(routes) < 2:
            single.append(str(path.relative_to(ROOT)))
    assert not single, f"one-route URL modules (join the feature they belong to): {single}"


# Views that take a POST without the shared bases, each with why.
NOT_ON_THE_BASES = {
    "participants:import_review": "a refused import shows the row-by-row report again with the "
    "reason, neither a form error nor a redirect with a message",
    "actions:participant_teams": "a refused join answers 400 with the page shown again and the "
    "reason, as the participant's private page must (no redirect)",
}


def project_views():
    """(URL name, view class) of every class-based view of the project's apps."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                module = getattr(pattern.callback, "__module__", "")
                if module.split(".")[0] in APPS:
                    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                    yield name, view_class, pattern.callback

    yield from walk(get_resolver().url_patterns)


# The only function views of the apps; any other view is a class, so the check below sees it.
FUNCTION_VIEWS = {
    "home": "GET only",
    "healthz": "GET only",
    "favicon": "GET only",
    "admin:login": "Django admin's own sign-in",
    "email_unsubscribe": "the mail client's one-click unsubscribe (RFC 8058): no form, no CSRF "
    "token, a plain-text answer, and a GET that redirects to the preferences page",
    "short_link": "a text message's short link: a GET that redirects to the page it stands for",
    "texts_inbound": "the text provider's webhook: no form, no CSRF token (its signature is the "
    "key), a TwiML answer",
}


def accepts_post(view_class) -> bool:
    return "post" in view_class.http_method_names and hasattr(view_class, "post")


def test_function_views_are_only_the_known_ones():
    functions = {name for name, view_class, _callback in project_views() if view_class is None}
    assert functions == set(FUNCTION_VIEWS)


def test_the_url_conf_has_views_of_every_app():
    assert {name.split(":")[0] for name, _c, _f in project_views() if ":" in name} >= {
        "initiatives",
        "participants",
        "guides",
        "actions",
    }


def test_every_view_that_takes_a_post_stands_on_the_shared_bases():
    off = sorted(
        name
        for name, view_class, callback in project_views()
        if view_class is not None
        and accepts_post(view_class)
        and not issubclass(view_class, ServiceFormView | ServiceActionView)
        and name not in NOT_ON_THE_BASES
    )
    assert not off, f"views taking a POST outside ServiceFormView/ServiceActionView: {off}"


def test_the_exceptions_are_still_views_that_take_a_post():
    takes_post = {
        name
        for name, view_class, _callback in project_views()
        if view_class and accepts_post(view_class)
    }
    assert set(NOT_ON_THE_BASES) <= takes_post


def test_views_catch_domain_errors_only_a_handful_of_times():
    catches = {}
    for app in APPS:
        for path in (ROOT / app).rglob("views*.py"):
            text = path.read_text(encoding="utf-8")
            if text.count("except DomainError"):
                catches[str(path.relative_to(ROOT))] = text.count("except DomainError")
        for path in (ROOT / app).glob("views/*.py"):
            text = path.read_text(encoding="utf-8")
            if text.count("except DomainError"):
                catches[str(path.relative_to(ROOT))] = text.count("except DomainError")
    assert sum(catches.values()) <= 5, catches
