"""Open an HTML report in headless Chromium and collect what a reader would see.

Tests import this module by name (``from browser import ...``): pytest puts this folder on the
import path. Playwright drives a system Chromium (Debian's ``chromium`` package); it never
downloads a browser of its own.
"""

from __future__ import annotations

import io
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Why each flag: as root Chromium refuses to start without --no-sandbox; the rest keep it from
# reaching for the network on its own (updates, sync, QUIC probes), which a closed network refuses.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")

# A plot is "rendered" when it has at least this many colours that each cover a visible share of
# it, and its non-background pixels cover at least this share of its area. A white box holding
# only a "no data" line fails both: anti-aliased text is one colour plus scattered grey edges.
MIN_COLOURS = 3
MIN_INK = 0.005
COLOUR_SHARE = 0.001  # a colour counts once it covers 0.1 % of the pixels
QUANT = 16  # colours are compared in steps of 16 per channel, so edge shades merge
TOLERANCE = 8  # per channel: how far a pixel may stray from the background and still be it


@dataclass(frozen=True)
class Figure:
    """One ``figure.plot`` element: its id attribute and an element screenshot (PNG bytes)."""

    id: str | None
    png: bytes


@dataclass
class PageReport:
    """What happened while a page loaded, and what it shows.

    Attributes:
        console: ``(type, text)`` of every console message of type error or warning.
        page_errors: Uncaught exceptions thrown by the page's scripts.
        external_requests: URLs of every request that was not file:, data:, about: or blob:
            (all were blocked; a self-contained report makes none).
        figures: Every ``figure.plot``, in document order.
        text: The page's visible text (``document.body.innerText``).
        page: The live Playwright page, usable inside the ``open_page`` block.
    """

    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    text: str = ""
    page: Any = None

    @property
    def console_errors(self) -> list[str]:
        """Text of the console messages of type error."""
        return [text for kind, text in self.console if kind == "error"]

    def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page (only inside the ``open_page`` block)."""
        return self.page.evaluate(expression)


def chromium_path() -> str | None:
    """The Chromium to drive: $SHOWDOWN_CHROMIUM, /usr/bin/chromium, or one on PATH.

    Returns:
        The executable's path, or None when none is found.
    """
    override = os.environ.get("SHOWDOWN_CHROMIUM")
    if override:
        return override
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import PIL  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed: pip install -e '.[test]'"
    if chromium_path() is None:
        return "no Chromium found: apt-get install chromium, or set SHOWDOWN_CHROMIUM to a Chromium/Chrome binary"
    return None


@contextmanager
def open_page(html_path: str | os.PathLike[str]) -> Iterator[PageReport]:
    """Load a local HTML file in headless Chromium and collect its errors, requests and plots.

    Every request to anything but a local resource is recorded and aborted, so a page that
    reaches out shows up in ``external_requests`` without touching the network.

    Args:
        html_path: The HTML file to open.

    Yields:
        The page's report; its ``page`` stays live until the block ends.

    Raises:
        RuntimeError: When no Chromium is found.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError(missing() or "no Chromium found")
    report = PageReport()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, service_workers="block")
            context.route(lambda url: not url.startswith(LOCAL_SCHEMES), lambda route: route.abort())
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            _listen(page, report)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            report.page = page
            report.text = page.inner_text("body")
            report.figures = [
                Figure(el.get_attribute("id"), el.screenshot(type="png", animations="disabled"))
                for el in page.query_selector_all("figure.plot")
            ]
            yield report
        finally:
            report.page = None
            browser.close()


def _listen(page: Any, report: PageReport) -> None:
    """Record console errors/warnings, page errors and non-local requests into ``report``."""

    def on_console(msg: Any) -> None:
        if msg.type in ("error", "warning"):
            report.console.append((msg.type, msg.text))

    def on_request(request: Any) -> None:
        if not request.url.startswith(LOCAL_SCHEMES):
            report.external_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: report.page_errors.append(str(exc)))
    page.on("request", on_request)
    page.on("websocket", lambda ws: report.external_requests.append(ws.url))


def assert_no_injected_script(report: PageReport, marker: str, flag: str = "__injected") -> None:
    """Assert that a script-looking user string was shown as text and never ran.

    Args:
        report: A report from ``open_page``, inside its block.
        marker: The user string, e.g. ``<script>window.__injected=1</script>``.
        flag: The global the script would set if it ran.

    Raises:
        AssertionError: When the string is not visible as text or the script ran.
    """
    assert marker in report.text, f"{marker!r} is not shown as text on the page"
    kind = report.evaluate(f"typeof window[{flag!r}]")
    assert kind == "undefined", f"window.{flag} is {kind}: the user string ran as a script"


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    """The PNG's pixels as RGB triples (alpha composited onto white)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image)
        return list(image.convert("RGB").getdata())


def _background(pixels: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    """The most common colour."""
    return Counter(pixels).most_common(1)[0][0]


def ink(png: bytes) -> float:
    """Share of pixels that differ from the background (the most common colour), 0 to 1."""
    pixels = _pixels(png)
    bg = _background(pixels)
    off = sum(1 for px in pixels if max(abs(a - b) for a, b in zip(px, bg)) > TOLERANCE)
    return off / len(pixels)


def is_blank(png: bytes) -> bool:
    """Whether all pixels are (nearly) one colour: at most 0.01 % stray from the background."""
    return ink(png) <= 0.0001


def distinct_colours(png: bytes) -> int:
    """How many colours each cover at least 0.1 % of the image, compared in steps of 16.

    Anti-aliased edges spread over many faint shades, each too rare to count, so text on a plain
    background counts as two colours while a chart with a coloured series counts three or more.
    """
    pixels = _pixels(png)
    counts = Counter((r // QUANT, g // QUANT, b // QUANT) for r, g, b in pixels)
    least = COLOUR_SHARE * len(pixels)
    return sum(1 for n in counts.values() if n >= least)


def rendering_problem(png: bytes) -> str | None:
    """Why a plot's screenshot does not look like a drawn chart, or None when it does."""
    if is_blank(png):
        return "blank"
    colours = distinct_colours(png)
    if colours < MIN_COLOURS:
        return f"only {colours} colours (needs {MIN_COLOURS})"
    share = ink(png)
    if share < MIN_INK:
        return f"drawing covers {share:.2%} of the area (needs {MIN_INK:.1%})"
    return None
