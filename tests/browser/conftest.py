"""Real-browser journeys: Debian's Chromium driven by Playwright against pytest-django's
live_server, with axe-core (vendored in vendor/) run on every page a journey visits, and every
such page held to a main-thread blocking budget (see MainThread)."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous code, not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PERFORMANCE = SCREENSHOTS.parent / "performance"
BLOCKING_IMPACTS = {"serious", "critical"}

# Total blocking time (TBT): the sum, over the main thread's long tasks (over 50 ms) from the
# start of a page's navigation until it has settled, of each task's time beyond 50 ms: how long
# the page does not answer a tap or a key. 200 ms is Lighthouse's "good" limit, for a mid-range
# phone: Lighthouse's mobile preset runs the page at full speed and counts each task 4 times as
# long (its simulated CPU slowdown). So do we, from the CPU time of each task in a Chromium
# trace: CPU time, unlike the time on the clock, does not grow when another process on a busy
# machine takes the CPU away, which keeps the measure steady on a loaded 2-core CI machine.
BLOCKING_BUDGET_MS = 200
CPU_SLOWDOWN = 4
LONG_TASK_MS = 50
TRACE_CATEGORIES = ["disabled-by-default-devtools.timeline", "blink.user_timing"]
# The page has settled when its load event is over and no long task has ended for this long.
SETTLE_MS = 300
SETTLE_TIMEOUT_MS = 5_000
# Runs before any script of every document (through CDP, so the page's CSP does not apply):
# notes when the last long task ended (to know when the page has settled) and the largest
# contentful paint (recorded with the blocking time).
PAGE_OBSERVER = """
(() => {
  const record = {lcp: null, lastTaskEnd: 0};
  Object.defineProperty(window, "__pageObserver", {value: record});
  const observe = (type, handle) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(handle)).observe({type, buffered: true});
    } catch (error) {
      record.error = String(error);
    }
  };
  observe("longtask", (task) => {
    record.lastTaskEnd = Math.max(record.lastTaskEnd, task.startTime + task.duration);
  });
  observe("largest-contentful-paint", (paint) => {
    record.lcp = paint.startTime;
  });
})();
"""
# Resolves once the page has settled (or after SETTLE_TIMEOUT_MS), with its LCP in ms.
SETTLED = """
([quiet, timeout]) => new Promise((resolve) => {
  const record = window.__pageObserver;
  const started = performance.now();
  const poll = () => {
    const load = performance.getEntriesByType("navigation")[0];
    const loaded = load && load.loadEventEnd > 0;
    const now = performance.now();
    if ((loaded && now - Math.max(record.lastTaskEnd, load.loadEventEnd) >= quiet) || now - started > timeout) {
      resolve({lcp: record.lcp === null ? null : Math.round(record.lcp), error: record.error || null});
    } else {
      setTimeout(poll, 50);
    }
  };
  poll();
})
"""


def blocking_time(events: list[dict], loader_id: str) -> dict:
    """TBT of one load of a page in a trace (the load CDP names `loader_id`): its renderer's
    main-thread tasks from its navigationStart on, each counted CPU_SLOWDOWN times its CPU time."""
    starts = [
        event
        for event in events
        if event.get("name") == "navigationStart"
        and event.get("args", {}).get("data", {}).get("navigationId") == loader_id
    ]
    assert starts, f"no navigationStart of load {loader_id} in the browser's trace"
    start = max(starts, key=lambda event: event["ts"])
    tasks = [
        event.get("tdur", event["dur"]) / 1000 * CPU_SLOWDOWN
        for event in events
        if event.get("name") == "RunTask"
        and event.get("ph") == "X"
        and (event.get("pid"), event.get("tid")) == (start["pid"], start["tid"])
        and event["ts"] >= start["ts"]
    ]
    long_tasks = [task for task in tasks if task > LONG_TASK_MS]
    return {
        "blocking": round(sum(task - LONG_TASK_MS for task in long_tasks)),
        "tasks": [round(task) for task in long_tasks],
    }


class Tracer:
    """The browser's one Chromium trace, running while a test's journeys run, cut at every check.

    Chromium takes about 5 s to stop a trace in which a renderer process was started, so a
    journey's tab is opened on the site (its process running) before the trace starts: see
    `journey`. A new tab (a page loaded again, see MainThread) may still cost those 5 s."""

    def __init__(self, browser):
        self.browser = browser
        self.running = False

    def start(self):
        if not self.running:
            self.browser.start_tracing(categories=TRACE_CATEGORIES)
            self.running = True

    def cut(self) -> list[dict]:
        """The events since the last cut; the trace goes on."""
        raw = self.browser.stop_tracing()
        self.running = False
        self.start()
        events = json.loads(raw)
        return events["traceEvents"] if isinstance(events, dict) else events

    def stop(self):
        if self.running:
            self.browser.stop_tracing()
            self.running = False


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


class MainThread:
    """Holds every page a journey checks to BLOCKING_BUDGET_MS of total blocking time, and
    records it with the largest contentful paint in test-artifacts/performance/<journey>.json.

    CPU time is steady, not exact: a busy machine still slows a task down a little (shared
    caches and cores). What a page's own code costs comes back on every load; such noise does
    not. So a page over the budget is loaded again, with the same cookies, in a new tab (leaving
    the journey's tab as it is), up to LOADS times in all, and the least blocking load is held
    to the budget. A page that really blocks too long does so every time and still fails."""

    LOADS = 3

    def __init__(self, tracer: Tracer, journey_name: str):
        self.tracer = tracer
        self.journey_name = journey_name
        self.records: list[dict] = []

    @staticmethod
    def loader_id(page) -> str:
        """CDP's id of the document's load: the trace's navigationId of its navigationStart."""
        session = page.context.new_cdp_session(page)
        try:
            return session.send("Page.getFrameTree")["frameTree"]["frame"]["loaderId"]
        finally:
            session.detach()

    def measure(self, page) -> dict:
        settled = page.evaluate(SETTLED, [SETTLE_MS, SETTLE_TIMEOUT_MS])
        assert settled["error"] is None, f"cannot observe the page: {settled['error']}"
        loader_id = self.loader_id(page)
        return {**blocking_time(self.tracer.cut(), loader_id), "lcp": settled["lcp"]}

    def load_in_new_tab(self, context, url: str) -> dict:
        page = context.new_page()
        try:
            page.goto(url)
            page.wait_for_load_state("load")
            return self.measure(page)
        finally:
            page.close()

    def check(self, page, step: str):
        loads = [self.measure(page)]
        best = loads[0]
        while best["blocking"] >= BLOCKING_BUDGET_MS and len(loads) < self.LOADS:
            loads.append(self.load_in_new_tab(page.context, page.url))
            best = min(loads, key=lambda load: load["blocking"])
        self.records.append(
            {
                "step": step,
                "url": page.url,
                "total_blocking_time_ms": best["blocking"],
                "long_tasks_ms": best["tasks"],
                "largest_contentful_paint_ms": best["lcp"],
                "total_blocking_time_ms_per_load": [load["blocking"] for load in loads],
            }
        )
        PERFORMANCE.mkdir(parents=True, exist_ok=True)
        (PERFORMANCE / f"{self.journey_name}.json").write_text(
            json.dumps(self.records, indent=2), encoding="utf-8"
        )
        if best["blocking"] >= BLOCKING_BUDGET_MS:
            pytest.fail(
                f"total blocking time {best['blocking']} ms (budget {BLOCKING_BUDGET_MS} ms, CPU "
                f"time x{CPU_SLOWDOWN}) on {page.url} ({step}) in each of {len(loads)} loads: "
                f"{[load['blocking'] for load in loads]} ms; long tasks of the least blocking "
                f"load: {best['tasks']} ms; largest contentful paint {best['lcp']} ms",
                pytrace=False,
            )


class Journey:
    """One journey's page plus its helpers: go, axe, screenshot, sign in."""

    def __init__(self, page, base_url: str, name: str, tracer: Tracer):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.main_thread = MainThread(tracer, name)

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str):
        self.page.goto(self.url(path))
        return self.page

    def check(self, step: str):
        """After a page has loaded: fail if it blocked the main thread over the budget, save a
        screenshot and fail on serious/critical axe findings."""
        self.page.wait_for_load_state("load")
        self.main_thread.check(self.page, f"{self.name}-{step}")
        # Nothing wider than the screen: on a phone a long word or label must wrap, not push
        # the page sideways.
        overflow = self.page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                return [...document.body.querySelectorAll('*')]
                    .filter((el) => el.getBoundingClientRect().right > width + 1
                        && !el.closest('.table-responsive, .overflow-auto, .visually-hidden'))
                    .slice(0, 5).map((el) => el.outerHTML.slice(0, 140));
            }"""
        )
        # And the page as a whole: something the walk above leaves out (an absolutely positioned,
        # visually hidden label escaping a table's scroll box) can still widen it.
        if not overflow and self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
        ):
            overflow = ["the page scrolls sideways (document wider than the screen)"]
        if overflow:
            pytest.fail(
                f"wider than the screen on {self.page.url} ({self.name}-{step}): {overflow}",
                pytrace=False,
            )
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
    tracer = Tracer(chromium)

    def make(name: str, **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        context.add_init_script(PAGE_OBSERVER)
        contexts.append(context)
        page = context.new_page()
        tracer.stop()  # (a journey made while another runs: start it before the other's steps)
        page.goto(live_server.url + settings.STATIC_URL + "favicon.svg")
        tracer.start()
        return Journey(page, live_server.url, name, tracer)

    yield make
    tracer.stop()
    for context in contexts:
        context.close()
