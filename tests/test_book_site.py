"""The built book in a real browser: Debian's Chromium driven by Playwright, network limited to a
local server of ``_build/html``.

Checks, on every page of ``_toc.yml``: it loads with no failed request and no console error, every
image loaded, math is typeset, widgets rendered; what a first visit weighs (at most 6 MB, at most
2 MB of the page's own: the HTML and its images, not the shared ``_static`` files); every figure
is drawn at twice its displayed size (desktop) and, at phone width, is shown at no less than its
layout size, so no text is under 10 CSS px; every figure has alt text; one search control; the
repository, issue and edit links, and on every notebook page its Binder and Colab buttons, all
built from the one repository URL; on every notebook page, moving a precomputed slider (or toggle)
changes the figure; on the quiz page, clicking reveals an answer; every internal link resolves
(file and anchor); search snippets show no raw LaTeX; dark mode puts widgets on the page, not on a
grey slab. Screenshots (desktop and phone) go to ``artifacts/book/``.

The book is built with the real ``_config.yml`` (``tools/vendor_js.py`` + ``jupyter-book build .
-W -n --keep-going``, the same as ``make book``). Notebook execution is cached in
``_build/.jupyter_cache``, so only changed notebooks run again. Set ``LRLEARN_BOOK_HTML`` to a
built site to test it without building.

Needs Chromium at /usr/bin/chromium and python playwright: skipped without them, failed when
``$CI`` is set.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, unquote, urldefrag, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "book"
CHROMIUM = os.environ.get("LRLEARN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD_TIMEOUT_S = 1500
PHONE = {"width": 390, "height": 844}
FIRST_VISIT_MAX_BYTES = 6_000_000
OWN_MAX_BYTES = 2_000_000
DENSITY_MIN = 1.9  # image pixels per displayed CSS pixel (2, less rounding)
MIN_TEXT_CSS_PX = 10.0

sys.path.insert(0, str(ROOT / "book" / "_ext"))
lrlearn_book = pytest.importorskip("lrlearn_book", reason="needs the book extra (sphinx)")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _build_book() -> Path:
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        _missing("needs jupyter-book (pip install -e '.[book]')")
    if shutil.which("npm") is not None:
        vendor = subprocess.run(
            [sys.executable, "tools/vendor_js.py"], cwd=ROOT, capture_output=True, text=True
        )
        assert vendor.returncode == 0, vendor.stdout + vendor.stderr
    elif not (ROOT / "_vendor").is_dir():
        _missing("needs npm to vendor the book's JavaScript (tools/vendor_js.py)")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", ".", "-W", "-n", "--keep-going"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    log = done.stdout + done.stderr
    problems = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0, "the book build failed:\n" + "\n".join(problems or [log[-4000:]])
    return ROOT / "_build" / "html"


@pytest.fixture(scope="module")
def site_dir() -> Path:
    given = os.environ.get("LRLEARN_BOOK_HTML")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"LRLEARN_BOOK_HTML={given} holds no built site"
        return path
    return _build_book()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server(site_dir: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@dataclass
class PageLog:
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.failed.clear()
        self.errors.clear()


@pytest.fixture(scope="module")
def browser(server: str, tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("needs python playwright (pip install playwright)")
    log = PageLog()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )

        def route(r) -> None:
            if r.request.url.startswith(server) or r.request.url.startswith(("blob:", "data:")):
                r.continue_()
            else:
                log.failed.append(f"blocked (not local): {r.request.url}")
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        # every page is weighed as a first visit: nothing from the browser's cache
        page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.on("requestfailed", lambda r: log.failed.append(f"{r.url}: {r.failure}"))
        page.on(
            "response",
            lambda r: log.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
        )
        page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))
        yield page, log
        context.close()


def _open(page, log: PageLog, url: str) -> None:
    log.clear()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    # MathJax 3 typesets asynchronously; its startup promise resolves when the page is done.
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
    if page.locator("script[type='application/vnd.jupyter.widget-state+json']").count():
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=30_000)
        page.wait_for_load_state("networkidle")


BROKEN_IMAGES_JS = """() => Array.from(document.querySelectorAll('article img'))
    .filter(img => img.getClientRects().length > 0)
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.getAttribute('src').slice(0, 80))"""
UNTYPESET_MATH_JS = """() => Array.from(document.querySelectorAll('article .math'))
    .filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 60))"""
TYPESET_MATH_JS = "() => document.querySelectorAll('article mjx-container').length"
WIDGET_ERRORS_JS = """() => Array.from(document.querySelectorAll('.jupyter-widgets'))
    .filter(el => /Error displaying widget|Failed to load model/.test(el.textContent))
    .length"""
# Precomputed views switch figures with a selection slider or, for a choice, toggle buttons.
CONTROLS = ".widget-slider, .widget-toggle-buttons"
# The bytes of every visible image in the output area holding control ``i``, hashed.
FIGURES_NEAR_CONTROL_JS = """async ([selector, i]) => {
    const control = document.querySelectorAll(selector)[i];
    const area = control.closest('.cell_output, .output') || document;
    const imgs = Array.from(area.querySelectorAll('img'))
        .filter(img => img.getClientRects().length > 0);
    const out = [];
    for (const img of imgs) {
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let h = 2166136261;
        for (const b of bytes) { h ^= b; h = Math.imul(h, 16777619) >>> 0; }
        out.push(bytes.length + ':' + h);
    }
    return out;
}"""


WEIGHT_JS = """() => {
    const entries = [...performance.getEntriesByType('navigation'),
                     ...performance.getEntriesByType('resource')];
    let total = 0, own = 0;
    for (const e of entries) {
        const n = e.decodedBodySize || 0;
        total += n;
        if (!new URL(e.name).pathname.includes('/_static/')) own += n;
    }
    return {total, own};
}"""
# Figures: images in cell outputs and Markdown figures, big enough to be one (not an icon).
FIGURES_JS = """() => Array.from(document.querySelectorAll(
        'article .cell_output img, article figure img, article img.lrlearn-figure'))
    .filter(img => img.getClientRects().length > 0 && img.naturalWidth > 100)
    .map(img => ({src: img.getAttribute('src').slice(-60), natural: img.naturalWidth,
                  shown: img.getBoundingClientRect().width, alt: img.getAttribute('alt') || '',
                  layout: parseFloat(img.getAttribute('width')) || img.naturalWidth / 2}))"""
SEARCH_CONTROLS_JS = """() => Array.from(document.querySelectorAll(
        '.search-button-field, .search-button, input[type=search]'))
    .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
                  && !el.closest('.search-button__wrapper, dialog'))
    .length"""
LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


def _repository() -> tuple[str, str]:
    """(repository URL, branch) the site's buttons must use: LRLEARN_REPOSITORY_URL or
    repository.url of _config.yml."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = os.environ.get("LRLEARN_REPOSITORY_URL") or config["url"]
    return url.rstrip("/").removesuffix(".git"), config.get("branch", "main")


def _launch_problems(hrefs: list[str], name: str, is_notebook: bool) -> list[str]:
    repo, branch = _repository()
    owner_repo = urlparse(repo).path.strip("/")
    source = f"{name}.ipynb" if is_notebook else f"{name}.md"
    wanted = {
        "repository link": repo,
        "issues link": f"{repo}/issues",
        "edit link": f"{repo}/edit/{branch}/{source}",
    }
    if is_notebook:
        wanted["Binder button"] = f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?"
        wanted["Colab button"] = (
            f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{source}"
        )
    missing = []
    for what, prefix in wanted.items():
        if not any(h == prefix or h.startswith(prefix) for h in hrefs):
            missing.append(f"{name}: no {what} ({prefix}...)")
    if is_notebook:
        binder = next((h for h in hrefs if h.startswith(wanted["Binder button"])), "")
        if binder and quote_plus(source) not in binder and source not in unquote(binder):
            missing.append(f"{name}: the Binder button does not open {source}: {binder}")
    return missing


def _figure_problems(page, name: str, *, phone: bool) -> list[str]:
    problems = []
    for fig in page.evaluate(FIGURES_JS):
        if not fig["alt"].strip():
            problems.append(f"{name}: figure {fig['src']} has no alt text")
        density = fig["natural"] / fig["shown"] if fig["shown"] else 0.0
        if not phone and density < DENSITY_MIN:
            problems.append(
                f"{name}: figure {fig['src']} drawn at {density:.2f}x its displayed size"
            )
        # figure text is at least 10 CSS px at layout size (lrlearn.plots.MIN_FONT_PT)
        scale = fig["shown"] / fig["layout"] if fig["layout"] else 0.0
        if phone and scale * MIN_TEXT_CSS_PX < MIN_TEXT_CSS_PX - 0.5:
            problems.append(
                f"{name}: at phone width figure {fig['src']} is shown at {scale:.0%} of its "
                f"layout size: its smallest text is {scale * MIN_TEXT_CSS_PX:.1f} CSS px"
            )
    return problems


def _check_page(page, log: PageLog, name: str) -> list[str]:
    problems = [f"failed request: {f}" for f in log.failed]
    problems += [f"console error: {e}" for e in log.errors]
    problems += [f"image not loaded: {s}" for s in page.evaluate(BROKEN_IMAGES_JS)]
    problems += [f"math not typeset: {m!r}" for m in page.evaluate(UNTYPESET_MATH_JS)]
    if page.evaluate(WIDGET_ERRORS_JS):
        problems.append("a widget failed to render")
    return [f"{name}: {p}" for p in problems]


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '__')}.png"))


def _moves(page, control):
    """Ways to change a control: arrow keys on a slider, clicks on the other toggle buttons."""
    handle = control.locator(".noUi-handle")
    if handle.count():

        def press(key: str) -> None:
            handle.first.scroll_into_view_if_needed()
            handle.first.focus()
            page.keyboard.press(key)

        return [lambda k=k: press(k) for k in ("ArrowRight", "ArrowLeft", "ArrowLeft")]
    buttons = control.locator("button")
    return [lambda k=k: buttons.nth(k).click() for k in range(buttons.count())]


#: notebook pages that are worked projects rather than one concept with its knob: every figure there
#: comes from one end-to-end run, so there is no precomputed view to move (and none is expected)
NO_VIEW_PAGES = {"notebooks/15_tuning_capstone"}


def _moving_a_control_changes_figure(page, name: str) -> str | None:
    """Move each slider (or toggle) in turn until one changes the figure next to it."""
    controls = page.locator(CONTROLS)
    n = controls.count()
    if n == 0:
        if name in NO_VIEW_PAGES:
            return None
        return f"{name}: no slider or toggle on the page (each notebook needs a precomputed view)"
    if name in NO_VIEW_PAGES:
        return f"{name}: listed in NO_VIEW_PAGES but has a slider: remove it from the list"
    for i in range(n):
        before = page.evaluate(FIGURES_NEAR_CONTROL_JS, [CONTROLS, i])
        if not before:
            continue
        for move in _moves(page, controls.nth(i)):
            move()
            page.wait_for_timeout(300)
            after = page.evaluate(FIGURES_NEAR_CONTROL_JS, [CONTROLS, i])
            if after and after != before:
                _screenshot(page, f"{name}__control_moved")
                return None
    return f"{name}: moving a slider or toggle never changed a figure ({n} controls tried)"


def _internal_links(page, base: str) -> set[str]:
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    return {h for h in hrefs if h.startswith(base)}


def _link_problem(site_dir: Path, base: str, link: str) -> str | None:
    url, fragment = urldefrag(link)
    rel = unquote(urlparse(url).path)[len(urlparse(base).path) :]
    target = site_dir / rel
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{link}: no such file {target.relative_to(site_dir)}"
    if fragment and target.suffix == ".html":
        text = target.read_text(encoding="utf-8", errors="replace")
        if f'id="{fragment}"' not in text and f'name="{fragment}"' not in text:
            return f"{link}: no element with id {fragment!r} in {target.relative_to(site_dir)}"
    return None


def test_every_toc_page_in_the_browser(browser, server: str, site_dir: Path) -> None:
    page, log = browser
    problems: list[str] = []
    links: set[str] = set()
    names = lrlearn_book.toc_docnames(ROOT / "_toc.yml")
    notebooks = [n for n in names if n.startswith("notebooks/")]
    assert notebooks, "no notebook in _toc.yml"
    typeset = 0
    weights: dict[str, tuple[int, int]] = {}
    for name in names:
        html = site_dir / f"{name}.html"
        if not html.is_file():
            problems.append(f"{name}: listed in _toc.yml but {html.name} was not built")
            continue
        page.set_viewport_size({"width": 1280, "height": 900})
        _open(page, log, urljoin(server, f"{name}.html"))
        typeset += page.evaluate(TYPESET_MATH_JS)
        weight = page.evaluate(WEIGHT_JS)
        weights[name] = (weight["total"], weight["own"])
        if weight["total"] > FIRST_VISIT_MAX_BYTES:
            problems.append(f"{name}: a first visit loads {weight['total'] / 1e6:.2f} MB")
        if weight["own"] > OWN_MAX_BYTES:
            problems.append(f"{name}: the page's own files weigh {weight['own'] / 1e6:.2f} MB")
        if page.evaluate(SEARCH_CONTROLS_JS) != 1:
            problems.append(f"{name}: {page.evaluate(SEARCH_CONTROLS_JS)} search controls")
        problems += _figure_problems(page, name, phone=False)
        problems += _launch_problems(page.evaluate(LINKS_JS), name, name in notebooks)
        if name in notebooks:
            problem = _moving_a_control_changes_figure(page, name)
            if problem:
                problems.append(problem)
        problems += _check_page(page, log, name)
        _screenshot(page, name)
        links |= _internal_links(page, server)
        if name in notebooks or name == names[0]:
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(300)
            problems += _figure_problems(page, name, phone=True)
            if page.evaluate(SEARCH_CONTROLS_JS) != 1:
                problems.append(f"{name} (phone): {page.evaluate(SEARCH_CONTROLS_JS)} searches")
            _screenshot(page, f"{name}__phone")
    print("first visit MB / own MB per page:")
    for name, (total, own) in weights.items():
        print(f"  {name:50s} {total / 1e6:6.2f} {own / 1e6:6.2f}")
    assert typeset > 0, "no typeset math anywhere in the book"
    problems += [p for link in sorted(links) if (p := _link_problem(site_dir, server, link))]
    assert not problems, "\n".join(problems)


def test_quiz_reveals_the_answer_on_click(browser, server: str) -> None:
    page, log = browser
    assert "book/quiz" in lrlearn_book.toc_docnames(ROOT / "_toc.yml"), (
        "the quiz page is not in _toc.yml"
    )
    _open(page, log, urljoin(server, "book/quiz.html"))  # the contents page
    assert page.locator("article details").count() == 0
    page.locator('article a[href$="quiz/basics.html"]').first.click()
    page.wait_for_url("**/book/quiz/basics.html")
    details = page.locator("article details").first
    answer = details.locator("p").first
    assert page.locator("article details").count() >= 10
    assert not details.evaluate("d => d.open")
    assert not answer.is_visible()
    details.locator("summary").click()
    assert details.evaluate("d => d.open")
    assert answer.is_visible()
    assert answer.inner_text().startswith("Answer")
    _screenshot(page, "book__quiz_revealed")
    assert not log.errors and not log.failed, log.errors + log.failed


def test_site_needs_no_cdn(site_dir: Path) -> None:
    """No page loads a script, style or font from another host (links to papers are fine)."""
    pattern = re.compile(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(https?:)?//", re.I)
    offenders = [
        str(p.relative_to(site_dir))
        for p in site_dir.rglob("*.html")
        if pattern.search(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, f"pages loading from another host: {offenders}"
    for vendored in ("widgets/embed.js", "mathjax/tex-mml-chtml.js"):
        assert (site_dir / "_static" / vendored).stat().st_size > 1000, vendored


def test_every_page_has_social_preview_and_description_tags(site_dir: Path) -> None:
    names = lrlearn_book.toc_docnames(ROOT / "_toc.yml")
    problems = []
    for name in names:
        html = site_dir / f"{name}.html"
        if not html.is_file():
            continue
        text = html.read_text(encoding="utf-8", errors="replace")
        for tag in (
            'property="og:title"',
            'property="og:description"',
            'property="og:image"',
            'property="og:url"',
            'name="description"',
        ):
            if tag not in text:
                problems.append(f"{name}: no <meta {tag}>")
    assert not problems, "\n".join(problems)
    assert (site_dir / "_images" / "lrlearn.png").is_file(), "the social preview image is missing"


def test_widget_javascript_only_on_pages_with_widgets(site_dir: Path) -> None:
    for name in lrlearn_book.toc_docnames(ROOT / "_toc.yml"):
        html = site_dir / f"{name}.html"
        if not html.is_file():
            continue
        text = html.read_text(encoding="utf-8", errors="replace")
        has_widgets = "application/vnd.jupyter.widget-state+json" in text
        assert ("widgets/embed.js" in text) == has_widgets, name
    script = site_dir / "_static" / "scripts" / "fontawesome.js"
    assert not script.exists() or script.stat().st_size < 1000, "the theme's 1.5 MB icon script"


def test_search_snippets_show_no_raw_latex(browser, server: str) -> None:
    page, log = browser
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, log, urljoin(server, "search.html?q=learning+rate+curvature"))
    page.wait_for_selector("#search-results li p.context", timeout=60_000)
    page.wait_for_timeout(1500)
    snippets = page.locator("#search-results li p.context").all_inner_texts()
    assert snippets
    raw = [t for t in snippets if re.search(r"\\[(\[]|\\(frac|eta|lambda|sqrt|mathrm)\b", t)]
    assert not raw, raw[:3]


def test_dark_mode_puts_widgets_on_the_page(browser, server: str) -> None:
    page, log = browser
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, log, urljoin(server, "notebooks/02_too_high_too_low.html"))
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    page.wait_for_timeout(300)
    backgrounds = page.evaluate(
        """() => Array.from(document.querySelectorAll('.cell_output .jupyter-widgets'))
            .slice(0, 20).map(el => getComputedStyle(el).backgroundColor)"""
    )
    assert backgrounds
    grey = [b for b in backgrounds if b not in ("rgba(0, 0, 0, 0)", "transparent")]
    assert not grey, grey[:3]
    page.locator(".widget-slider").first.scroll_into_view_if_needed()
    _screenshot(page, "notebooks__02_too_high_too_low__dark")


def test_a_figure_opens_full_size_on_click(browser, server: str) -> None:
    page, log = browser
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, log, urljoin(server, "notebooks/02_too_high_too_low.html"))
    figure = page.locator("article .cell_output img:visible").first
    figure.scroll_into_view_if_needed()
    figure.click()
    big = page.locator(".lrlearn-lightbox img")
    big.wait_for(state="visible", timeout=10_000)
    shown = big.evaluate("img => img.getBoundingClientRect().width")
    assert shown > figure.evaluate("img => img.getBoundingClientRect().width")
    assert big.get_attribute("alt")
    page.keyboard.press("Escape")
    assert page.locator(".lrlearn-lightbox").count() == 0
    assert not log.errors, log.errors
