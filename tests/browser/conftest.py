"""Real-browser journeys: Debian's Chromium driven by Playwright against pytest-django's
live_server, with axe-core (vendored in vendor/) run on every page a journey visits."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous code, not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
    )
    yield browser
    browser.close()


class Journey:
    """One journey's page plus its helpers: go, axe, screenshot, sign in."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.name = name

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str):
        self.page.goto(self.url(path))
        return self.page

    def check(self, step: str):
        """After a page has loaded: save a screenshot and fail on serious/critical axe findings."""
        self.page.wait_for_load_state("load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.name}-{step}.png", full_page=True)
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # evaluate() is not subject to the page's CSP, unlike an injected <script>.
            self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        )
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(
                f"axe: {len(blocking)} serious/critical violation(s) on {self.page.url} "
                f"({self.name}-{step}):\n{format_violations(blocking)}",
                pytrace=False,
            )

    def sign_in(self, email: str, password: str):
        from django.urls import reverse

        self.go(reverse("account_login"))
        self.check("sign-in")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.locator("form:has(input[name=password]) [type=submit]").click()


def format_violations(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture
def journey(request, chromium, live_server):
    """journey(name, **context options) -> a Journey on a fresh browser context."""
    contexts = []

    def make(name: str, **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Journey(context.new_page(), live_server.url, name)

    yield make
    for context in contexts:
        context.close()
