"""The receptive-field explorer (report/explorer.qmd) in a real browser.

The rendered book is served over loopback HTTP (ES modules do not load from file://) and opened
in Debian's chromium through Playwright; every request to anything but that server is refused,
so the test also proves the explorer needs no network. Each control is moved and the drawn
picture must change; no OJS cell may show an error. The explorer must behave as a reader
expects: it opens on the paper's network, its presets set every control, a control keeps its
value when a change to its left still offers it, the inset marks the network only where its
curve applies, the colour scale it uses is stated, numbers print as the book prints them, and
on a phone the controls are large enough to tap and fit the screen. Skips (saying why) without
a rendered book, Playwright or a chromium; .ci/run runs it after rendering."""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from deeprg import explorer

BOOK = Path(__file__).resolve().parents[1] / "_book"
PAGE = "report/explorer.html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(not (BOOK / PAGE).exists(), reason="no rendered book in _book/ (run quarto render first)"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH"),
]


@pytest.fixture(scope="module")
def site():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(BOOK))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _open(browser, site, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.refused, page.errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site)
               else (page.refused.append(route.request.url), route.abort()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{site}/{PAGE}")
    page.wait_for_selector("canvas.explorer-fields", timeout=30_000)
    return page


@pytest.fixture(scope="module")
def page(browser, site):
    page = _open(browser, site, 1280, 1600)
    yield page
    page.close()


@pytest.fixture(scope="module")
def phone(browser, site):
    page = _open(browser, site, 420, 900)
    yield page
    page.close()


def _picture(page):
    return page.eval_on_selector("canvas.explorer-fields", "canvas => canvas.toDataURL()")


def _choose(page, control, value):
    """Select `value` in the control-th select; wait until the picture changes; return it."""
    before = _picture(page)
    page.locator(".explorer-control select").nth(control).select_option(value)
    page.wait_for_function("before => document.querySelector('canvas.explorer-fields').toDataURL() !== before",
                           arg=before, timeout=10_000)
    return _picture(page)


CONTROLS = ("penalty", "alpha", "T", "layer", "epoch")
PAPER = {"penalty": "l1", "alpha": "0.0002", "T": "2.451", "layer": "1", "epoch": "200"}


def _setting(page):
    selects = page.locator(".explorer-control select")
    return {key: selects.nth(k).input_value() for k, key in enumerate(CONTROLS)}


def _preset(page, name):
    """Click the preset button `name`; wait until the picture changes (if it does); return the setting."""
    before = _picture(page)
    page.locator(".explorer-presets button", has_text=name).click()
    try:
        page.wait_for_function("before => document.querySelector('canvas.explorer-fields').toDataURL() !== before",
                               arg=before, timeout=5_000)
    except Exception:  # already showing it
        pass
    return _setting(page)


def test_the_explorer_opens_on_the_papers_network(page):
    assert _setting(page) == PAPER
    paper = page.locator(".explorer-presets button", has_text="the paper's network")
    assert paper.get_attribute("aria-pressed") == "true"
    assert page.locator(".explorer-presets button", has_text="no penalty").get_attribute("aria-pressed") == "false"
    assert page.locator(".explorer-presets button", has_text="scikit-learn").count() == 0  # no such network


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


def test_the_presets_set_every_control(page):
    assert _preset(page, "no penalty") == PAPER | {"penalty": "none", "alpha": "0"}
    assert page.locator(".explorer-presets button", has_text="no penalty").get_attribute("aria-pressed") == "true"
    assert _preset(page, "the paper's network") == PAPER


def test_a_control_keeps_its_value_when_it_is_still_offered(page):
    _preset(page, "the paper's network")
    _choose(page, 2, "3")  # T = 3
    _choose(page, 1, "0.001")  # alpha: T = 3 is still offered, 200 epochs are not
    assert _setting(page) == {"penalty": "l1", "alpha": "0.001", "T": "3", "layer": "1", "epoch": "20"}
    _choose(page, 0, "l2")  # L2 at 1e-3 exists at T = 3 too
    assert _setting(page) == {"penalty": "l2", "alpha": "0.001", "T": "3", "layer": "1", "epoch": "20"}
    _preset(page, "the paper's network")


def _note(page):
    return page.locator(".explorer-note").inner_text()


def test_the_inset_marks_the_network_only_where_its_curve_applies(page):
    _preset(page, "the paper's network")  # 200 epochs: the curve is for 20
    assert "No point of this curve applies to the selected network" in _note(page)
    assert "200 epochs" in _note(page)
    assert page.locator("svg.explorer-curve .explorer-marker").count() == 0
    _choose(page, 4, "20")
    assert "No point" not in _note(page)
    assert page.locator("svg.explorer-curve circle.explorer-marker").count() == 1
    _choose(page, 2, "2")  # T = 2
    assert "No point of this curve applies" in _note(page) and "T = 2.000" in _note(page)
    assert page.locator("svg.explorer-curve .explorer-marker").count() == 0
    _preset(page, "the paper's network")
    _choose(page, 3, "3")  # layer 3
    assert "No point of this curve applies" in _note(page) and "layer 3" in _note(page)
    assert page.locator("svg.explorer-curve .explorer-marker").count() == 0
    _preset(page, "the paper's network")


def test_the_shared_scale_toggle_changes_the_stated_scale(page):
    _preset(page, "the paper's network")
    own = page.locator(".explorer-scale-note").inner_text()
    assert "this network’s own" in own
    before = _picture(page)
    page.locator(".explorer-toggle input").check()
    page.wait_for_function("before => document.querySelector('canvas.explorer-fields').toDataURL() !== before",
                           arg=before, timeout=10_000)
    shared = page.locator(".explorer-scale-note").inner_text()
    assert "the same for all networks at layer 1" in shared and shared != own
    largest = explorer.scale_text(explorer.shared_scale(explorer.points())[1])  # the largest first layer's
    assert f"+{largest}" in shared
    assert f"+{largest}" in page.locator("svg.explorer-colour-bar").inner_html()
    page.locator(".explorer-toggle input").uncheck()
    page.wait_for_function("own => document.querySelector('.explorer-scale-note').innerText === own",
                           arg=own, timeout=10_000)


def test_numbers_print_as_the_book_prints_them(page):
    for name in ("the paper's network", "no penalty"):
        _preset(page, name)
        text = page.locator(".explorer").inner_text()
        assert "± 0.000" not in text.replace("\u00a0", " ")
        assert "e+" not in text and "e-" not in page.locator("svg.explorer-colour-bar").inner_html()
        assert "±" in page.locator(".explorer-stats").inner_text()
    _preset(page, "the paper's network")


def test_on_a_phone_the_controls_are_large_enough_and_fit(phone):
    assert _setting(phone) == PAPER
    for element in phone.locator(".explorer-control select, .explorer-presets button").all():
        assert element.bounding_box()["height"] >= 44
    width = phone.evaluate("document.documentElement.clientWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    for element in phone.locator(".explorer-control, .explorer-presets button, .explorer-toggle").all():
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert not phone.errors and not phone.refused


def test_the_control_used_keeps_the_focus(page):
    _preset(page, "the paper's network")
    select = page.locator(".explorer-control select").nth(2)
    select.focus()
    _choose(page, 2, "3")
    page.wait_for_function("document.activeElement === document.querySelectorAll('.explorer-control select')[2]",
                           timeout=5_000)
    _preset(page, "the paper's network")
