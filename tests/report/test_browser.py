"""The HTML report in a real headless browser: no errors, no network, every plot drawn.

The first tests check the harness on small hand-written pages; the last builds a real run with
the CLI, writes its report and opens it.
"""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import (
    assert_no_injected_script,
    distinct_colours,
    ink,
    is_blank,
    missing,
    open_page,
    rendering_problem,
)

pytestmark = pytest.mark.browser

INJECTION = "<script>window.__injected=1</script>"

BARS = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
  <line x1="40" y1="170" x2="380" y2="170" stroke="#333"/><line x1="40" y1="10" x2="40" y2="170" stroke="#333"/>
  <rect x="70" y="40" width="80" height="130" fill="#1f77b4"/><rect x="220" y="90" width="80" height="80" fill="#ff7f0e"/>
  <text x="110" y="190" text-anchor="middle" font-size="12">torch</text>
  <text x="260" y="190" text-anchor="middle" font-size="12">tensorflow</text>
</svg>"""
EMPTY = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="#fff"/></svg>'
NO_DATA = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="#fff"/>'
    '<text x="200" y="100" text-anchor="middle" font-size="13" fill="#555">no data</text></svg>'
)


def page(tmp_path: Path, body: str) -> Path:
    """Write ``body`` into a minimal HTML page and return its path."""
    path = tmp_path / "page.html"
    style = "body{margin:20px;background:#fff;font-family:sans-serif} figure.plot{display:inline-block;margin:0}"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>")
    return path


def plot(fig_id: str, svg: str) -> str:
    return f'<figure class="plot" id="{fig_id}">{svg}</figure>'


@pytest.fixture(scope="module")
def browser_ready() -> None:
    """Skip, with the install command, when Playwright, Pillow or Chromium is missing."""
    reason = missing()
    if reason:
        pytest.skip(reason)


def png_of(colours: list[tuple[tuple[int, int, int], int]], width: int = 100) -> bytes:
    """A PNG whose rows are painted in the given colours: ``[(rgb, rows), ...]``."""
    from PIL import Image

    rows = sum(n for _, n in colours)
    image = Image.new("RGB", (width, rows))
    y = 0
    for rgb, n in colours:
        image.paste(rgb, (0, y, width, y + n))
        y += n
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_pixel_measures_on_synthetic_images():
    pytest.importorskip("PIL")
    white, blue, orange = (255, 255, 255), (31, 119, 180), (255, 127, 14)
    assert is_blank(png_of([(white, 100)]))
    assert is_blank(png_of([(white, 99), ((252, 252, 252), 1)]))  # within tolerance of the background
    chart = png_of([(white, 60), (blue, 20), (orange, 20)])
    assert not is_blank(chart) and distinct_colours(chart) == 3 and ink(chart) == pytest.approx(0.4)
    assert rendering_problem(chart) is None
    assert rendering_problem(png_of([(white, 90), ((0, 0, 0), 10)])) == "only 2 colours (needs 3)"


def test_two_svg_plots_render(tmp_path, browser_ready):
    path = page(tmp_path, plot("speed", BARS) + plot("memory", BARS.replace("#1f77b4", "#2ca02c")))
    with open_page(path) as report:
        assert report.console == [] and report.page_errors == [] and report.external_requests == []
        assert [f.id for f in report.figures] == ["speed", "memory"]
        for figure in report.figures:
            assert not is_blank(figure.png)
            assert rendering_problem(figure.png) is None, figure.id


def test_console_error_and_page_error_are_caught(tmp_path, browser_ready):
    path = page(tmp_path, "<p>hi</p><script>console.error('x'); console.warn('w'); null.boom;</script>")
    with open_page(path) as report:
        assert report.console_errors == ["x"]
        assert ("warning", "w") in report.console
        assert len(report.page_errors) == 1 and "null" in report.page_errors[0]


def test_external_request_is_recorded_and_blocked(tmp_path, browser_ready):
    path = page(tmp_path, '<img src="http://example.invalid/x.png" alt=""><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">')
    with open_page(path) as report:
        assert report.external_requests == ["http://example.invalid/x.png"]


def test_white_and_no_data_plots_are_not_rendered(tmp_path, browser_ready):
    path = page(tmp_path, plot("empty", EMPTY) + plot("nodata", NO_DATA))
    with open_page(path) as report:
        empty, nodata = report.figures
        assert is_blank(empty.png) and rendering_problem(empty.png) == "blank"
        assert not is_blank(nodata.png) and distinct_colours(nodata.png) < 3
        assert rendering_problem(nodata.png) is not None


def test_injected_script_is_caught(tmp_path, browser_ready):
    escaped = INJECTION.replace("<", "&lt;").replace(">", "&gt;")
    with open_page(page(tmp_path, f"<p class='notes'>{escaped}</p>")) as report:
        assert_no_injected_script(report, INJECTION)
    with open_page(page(tmp_path, f"<p class='notes'>{INJECTION}</p>")) as report:
        with pytest.raises(AssertionError, match="not shown as text"):
            assert_no_injected_script(report, INJECTION)
        assert report.evaluate("window.__injected") == 1


def showdown(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showdown", *args], check=False, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory, browser_ready: None) -> Path:
    """A report of a real (short) run whose notes hold a script-looking string."""
    try:
        importlib.import_module("showdown.report.html")
    except ModuleNotFoundError as exc:
        if exc.name != "showdown.report.html":
            raise
        pytest.skip("report module missing")
    from contenders import INSTALLED  # the test process's contenders: with all five, this run took 66 s instead of 16 s

    if not INSTALLED:
        pytest.skip("needs torch or tensorflow")
    tmp = tmp_path_factory.mktemp("report")
    db, out = tmp / "runs.sqlite", tmp / "out"
    args = ["--workloads", "mlp", "--preset", "tiny", "--scenarios", "train", "infer", "--modes", "eager", "--batch-sizes", "1",
            "--rounds", "0", "--cell-budget", "0.3", "--threads", "1"]
    run = showdown("run", "--frameworks", *INSTALLED, *args, "--notes", INJECTION, "--db", str(db))
    assert run.returncode == 0, run.stderr
    run_id = re.search(r"^run (\S+):", run.stderr, re.MULTILINE).group(1)
    made = showdown("report", run_id, "--db", str(db), "--out", str(out))
    assert made.returncode == 0, made.stderr
    printed = [Path(p) for p in re.findall(r"\S+\.html\b", made.stdout) if Path(p).is_file()]
    found = printed or sorted(out.glob("*.html"))
    assert len(found) == 1, f"expected one .html in {out} or printed, got {found}: {made.stdout}"
    return found[0]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_report_renders_in_browser(report_html):
    with open_page(report_html) as report:
        assert report.console_errors == [] and report.page_errors == []
        assert report.external_requests == []
        assert len(report.figures) >= 3, f"{len(report.figures)} figure.plot elements"
        problems = {f.id: rendering_problem(f.png) for f in report.figures}
        assert {k: v for k, v in problems.items() if v} == {}
        assert_no_injected_script(report, INJECTION)


def test_comparison_page_renders_in_browser(tmp_path, browser_ready):
    """Two runs side by side: every plot of both runs drawn, no errors, no network."""
    import synthetic_run as S

    from showdown.report import comparison

    store, a = S.build(tmp_path / "db.sqlite", notes=INJECTION)
    store.close()
    store, b = S.build(tmp_path / "db.sqlite", seed=1, scale=1.5, notes=INJECTION)
    path = comparison.write(store, a, b, tmp_path / "cmp")
    with open_page(path) as report:
        assert report.console_errors == [] and report.page_errors == [] and report.external_requests == []
        ids = {f.id for f in report.figures}
        assert {f"memory-{a}", f"memory-{b}", f"latency-bs1-{a}", f"latency-bs1-{b}"} <= ids
        problems = {f.id: rendering_problem(f.png) for f in report.figures}
        assert {k: v for k, v in problems.items() if v} == {}
