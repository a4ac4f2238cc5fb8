"""End to end in a real JupyterLab: open a notebook in headless Chromium, run all cells, move a
slider with the keyboard and check that the figure's pixels change. Twice: with the live widget
(the kernel redraws), and with its precomputed twin (``LRLEARN_WIDGETS=static``), where the kernel
is shut down before the slider moves, so the figure can only change in the browser. Screenshots
go to ``artifacts/jupyterlab_e2e/<mode>/``.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``) and Python
playwright. Without Chromium the test is skipped, unless ``$CI`` is set: then it fails.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "jupyterlab_e2e"
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
NOTEBOOK = "00_how_to_use.ipynb"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]


def _need_browser() -> None:
    missing = [] if Path(CHROMIUM).exists() else [f"Chromium at {CHROMIUM}"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("python playwright")
    if missing:
        reason = f"needs {' and '.join(missing)} (apt-get install chromium; pip install playwright)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["live", "static"])
def lab(request, tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 with a token and fresh Jupyter dirs, serving a copy of
    the notebook (so saving never touches the repository); its kernels show live or static
    widgets."""
    _need_browser()
    base = tmp_path_factory.mktemp(f"lab-{request.param}")
    work = base / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "RUNTIME"):
        (base / name.lower()).mkdir()
        env[f"JUPYTER_{name}_DIR"] = str(base / name.lower())
    env["IPYTHONDIR"] = str(base / "ipython")
    env["MPLBACKEND"] = "Agg"
    env["LRLEARN_WIDGETS"] = request.param
    # no "would you like news?" pop-up: the install step's settings (tools/lab_settings.py),
    # which this test checks rather than working around
    sys.path.insert(0, str(ROOT / "tools"))
    import lab_settings

    overrides = lab_settings.overrides_path()
    assert overrides.is_file(), f"{overrides} missing: run `make install`"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"
    port, token = _free_port(), secrets.token_hex(16)
    log = open(base / "lab.log", "w")  # closed in the finally below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={work}",
            f"--LabApp.workspaces_dir={base / 'workspaces'}",
            "--ServerApp.open_browser=False",
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"JupyterLab did not start:\n{(base / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "token": token, "base": base, "mode": request.param}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_run_all_and_move_a_slider(lab):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    static = lab["mode"] == "static"
    shots = ARTIFACTS / lab["mode"]
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(lab["base"] / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(60_000)
        page = context.new_page()
        try:
            page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?reset&token={lab['token']}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            # a fresh JupyterLab may ask which kernel to start: accept the notebook's own
            accept = page.locator(".jp-Dialog .jp-mod-accept")
            try:
                accept.wait_for(state="visible", timeout=15_000)
                accept.click()
            except PlaywrightTimeout:
                pass
            page.wait_for_selector(
                '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000
            )
            page.wait_for_timeout(2000)  # the news question would have appeared by now
            assert page.get_by_text("official Jupyter news").count() == 0
            page.click('.lm-MenuBar-itemLabel:text-is("Run")')
            page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')
            image = page.locator(".jp-OutputArea-output img.widget-image:visible").first
            image.wait_for(state="visible", timeout=120_000)
            page.wait_for_selector(
                '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=180_000
            )
            image.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "1_after_run_all.png"))
            errors = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
            assert errors.count() == 0, errors.first.inner_text()
            shown = image.element_handle()
            before_src = shown.get_attribute("src")
            before = shown.screenshot(path=str(shots / "2_figure_before.png"))
            if static:  # no kernel from here on: only the browser can switch the figure
                page.click('.lm-MenuBar-itemLabel:text-is("Kernel")')
                page.click('.lm-Menu-itemLabel:text-is("Shut Down Kernel")')
                page.wait_for_selector(
                    '.jp-Toolbar-kernelName:has-text("No Kernel")', timeout=60_000
                )

            output = page.locator(".jp-OutputArea-output", has=page.locator("img.widget-image"))
            output = output.first
            handle = output.locator(".widget-slider .noUi-handle").first
            readout = output.locator(".widget-readout").first
            before_readout = readout.inner_text()
            handle.focus()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            if static:  # the Stack shows another precomputed image; the first one is hidden
                shown.wait_for_element_state("hidden", timeout=30_000)
            else:
                page.wait_for_function(
                    "([img, src]) => img.getAttribute('src') !== src",
                    arg=[shown, before_src],
                    timeout=30_000,
                )
                # every key press is one redraw in the kernel: wait until the last one arrived
                page.wait_for_selector(
                    '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000
                )
            page.wait_for_timeout(1000)
            after = image.screenshot(path=str(shots / "3_figure_after.png"))
            page.screenshot(path=str(shots / "4_after_slider.png"))
            assert readout.inner_text() != before_readout
            a, b = _pixels(before), _pixels(after)
            assert a.shape == b.shape
            changed = np.abs(a - b).max(axis=-1) > 30
            assert changed.mean() > 0.002, f"only {changed.mean():.4%} of the pixels changed"
            assert errors.count() == 0
        except BaseException:
            page.screenshot(path=str(shots / "failure.png"))
            (shots / "failure.html").write_text(page.content(), encoding="utf-8")
            raise
        finally:
            context.close()
