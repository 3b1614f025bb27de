"""The receptive-field explorer (report/explorer.qmd) in a real browser.

The rendered book is served over loopback HTTP (ES modules do not load from file://) and opened
in Debian's chromium through Playwright; every request to anything but that server is refused,
so the test also proves the explorer needs no network. Each control is moved and the drawn
picture must change; no OJS cell may show an error. Skips (saying why) without a rendered
book, Playwright or a chromium; .ci/run runs it after rendering."""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "_book"
PAGE = "report/explorer.html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(not (BOOK / PAGE).exists(), reason="no rendered book in _book/ (run quarto render first)"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH"),
]


@pytest.fixture(scope="module")
def site():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(BOOK))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def page(site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.refused, page.errors = [], []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site)
                   else (page.refused.append(route.request.url), route.abort()))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{site}/{PAGE}")
        page.wait_for_selector("canvas.explorer-fields", timeout=30_000)
        yield page
        browser.close()


def _picture(page):
    return page.eval_on_selector("canvas.explorer-fields", "canvas => canvas.toDataURL()")


def _choose(page, control, value):
    """Select `value` in the control-th select; wait until the picture changes; return it."""
    before = _picture(page)
    page.locator(".explorer-control select").nth(control).select_option(value)
    page.wait_for_function("before => document.querySelector('canvas.explorer-fields').toDataURL() !== before",
                           arg=before, timeout=10_000)
    return _picture(page)


def test_the_explorer_draws_without_errors_or_network(page):
    assert page.locator(".explorer-control select").count() == 5
    assert page.locator(".observablehq--error").count() == 0
    assert not page.errors


# control order: penalty, alpha, T, layer, epoch; values as the options carry them
@pytest.mark.parametrize("steps", [
    [(0, "l2")],                                   # penalty
    [(0, "l1"), (1, "0.001")],                     # alpha
    [(0, "l1"), (1, "0.0002"), (2, "3")],          # temperature
    [(0, "l1"), (1, "0.0002"), (2, "2.451"), (3, "3")],              # layer
    [(0, "l1"), (1, "0.0002"), (2, "2.451"), (3, "1"), (4, "200")],  # epoch
])
def test_every_control_changes_the_picture(page, steps):
    for control, value in steps[:-1]:  # reach a state where the last control has a choice
        if page.locator(".explorer-control select").nth(control).input_value() != value:
            _choose(page, control, value)
    control, value = steps[-1]
    if page.locator(".explorer-control select").nth(control).input_value() == value:  # move away first
        other = page.locator(".explorer-control select").nth(control).locator("option").nth(0).get_attribute("value")
        _choose(page, control, other)
    _choose(page, control, value)
    assert page.locator(".observablehq--error").count() == 0
    assert not page.errors
