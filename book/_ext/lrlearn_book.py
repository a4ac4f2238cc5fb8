"""Sphinx extension for the lrlearn book (loaded from ``_config.yml``: ``sphinx.local_extensions``).

At the start of every build it

* sets ``LRLEARN_WIDGETS=static`` so the notebooks, executed by the build, show the precomputed
  (kernel-free) twin of each widget: figures switched in the browser, no Python needed;
* checks that the vendored JavaScript (``tools/vendor_js.py``) is in place, naming what is missing;
* writes the quiz pages (``book/quiz.md``, a contents page, and ``book/quiz/*.md``, one per topic
  group) from the question bank through ``lrlearn.quiz``'s renderer;
* checks the table of contents against the files: every ``notebooks/*.ipynb`` and ``book/**/*.md``
  must be listed in ``_toc.yml`` (a page left out would silently vanish from the site). With
  ``-W`` each problem is a warning that fails the build and names the file;
* starts the notebooks' kernels with the profile of ``tools/kernel_profile.py`` (the same the
  tests use): every warning raised by a notebook's code is an error, so such a notebook fails the
  build while the notebooks themselves carry no test scaffolding, and inline figures are drawn at
  twice their layout size with the inline backend (whatever ``MPLBACKEND`` the build runs under);
* takes the repository URL from ``repository.url`` in ``_config.yml``, or from
  ``LRLEARN_REPOSITORY_URL`` (the Pages workflow sets it to the repository it runs in), for the
  repository, issue, edit and launch buttons and the social preview's site address;
* replaces the theme's Font Awesome script (1.5 MB on every first visit) with a one-line stub
  once the build is done: the theme's style sheet already draws every icon with the Font Awesome
  web fonts, and the script only swapped those for inline SVG;
* adds the site's own style sheet and script (``static/``: figures that open full size, alt text,
  one search control, search snippets without raw LaTeX, dark mode, the claims tables).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGETS_ENV = "LRLEARN_WIDGETS"
QUIZ_PAGE = "book/quiz.md"
# ``module:function`` returning the whole quiz on one page as MyST Markdown (answers in <details>).
QUIZ_RENDERER = "lrlearn.quiz.render:to_markdown"
# ``module:function`` returning {docname below book/: MyST Markdown} for the quiz pages the site has.
QUIZ_PAGES_RENDERER = "lrlearn.quiz.render:pages_markdown"
# Source folders whose pages must all be listed in the table of contents.
TOC_GLOBS = ("notebooks/*.ipynb", "book/**/*.md")
REPOSITORY_ENV = "LRLEARN_REPOSITORY_URL"
STATIC = Path(__file__).resolve().parent / "static"
SITE_CSS = "lrlearn_site.css"
SITE_JS = "lrlearn_site.js"
GITHUB = re.compile(r"https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


def toc_docnames(toc_path: str | Path) -> list[str]:
    """Every document of a jb-book ``_toc.yml``, in reading order, as paths without suffix."""
    import yaml

    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries: list[dict] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts") or [{"chapters": toc.get("chapters")}]:
        walk(part.get("chapters"))
    return [str(Path(n).with_suffix("")) if n.endswith((".md", ".ipynb")) else n for n in names]


def toc_files(toc: Any) -> set[str]:
    """Every document a ``sphinx_external_toc`` site map lists, as paths without suffix."""
    return {str(name) for name in toc}


def unlisted_pages(srcdir: Path, listed: set[str]) -> list[str]:
    """Files matching ``TOC_GLOBS`` under ``srcdir`` that the table of contents leaves out."""
    missing = []
    for pattern in TOC_GLOBS:
        for path in sorted(srcdir.glob(pattern)):
            rel = path.relative_to(srcdir).with_suffix("").as_posix()
            if rel not in listed:
                missing.append(path.relative_to(srcdir).as_posix())
    return missing


def vendored_files(config: Config) -> list[str]:
    """Static files the config points at (relative to ``_static``): widget JS, MathJax, scripts."""
    files = [p for p in config.nb_ipywidgets_js if "://" not in p]
    files += [p if isinstance(p, str) else p[0] for p in config.html_js_files]
    if "://" not in config.mathjax_path:
        files.append(config.mathjax_path)
    return files


def _check_vendor(app: Sphinx, config: Config) -> None:
    static_dirs = [Path(app.confdir, d) for d in config.html_static_path]
    for rel in vendored_files(config):
        if not any((d / rel).is_file() for d in static_dirs):
            raise ConfigError(
                f"{rel} not found in html_static_path {config.html_static_path}: "
                "run `python tools/vendor_js.py` first (or `make book`)"
            )


def pages_url(repository_url: str) -> str:
    """The GitHub Pages address of a GitHub repository (``https://OWNER.github.io/REPO/``)."""
    match = GITHUB.match(repository_url)
    if match is None:
        raise ConfigError(
            f"repository url {repository_url!r} is not https://github.com/OWNER/REPO "
            f"(set repository.url in _config.yml or {REPOSITORY_ENV})"
        )
    owner, repo = match["owner"], match["repo"]
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def _use_repository(config: Config) -> None:
    options = config.html_theme_options
    url = os.environ.get(REPOSITORY_ENV) or options.get("repository_url", "")
    url = url.rstrip("/").removesuffix(".git")
    options["repository_url"] = url
    if hasattr(config, "ogp_site_url") and not config.ogp_site_url:
        config.ogp_site_url = pages_url(url)


def _kernel_profiles(confdir: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "kernel_profile", confdir / "tools" / "kernel_profile.py"
    )
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = os.environ.get("IPYTHONDIR")
    if not (current and module.is_strict(current)):
        os.environ["IPYTHONDIR"] = str(module.make_ipython_dir())
    # CI runs under MPLBACKEND=Agg, which kernels would inherit and then show no figure
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"


def render_quiz_page() -> str:
    """The whole quiz on one page, from the quiz renderer named in ``QUIZ_RENDERER``."""
    module, _, func = QUIZ_RENDERER.partition(":")
    return getattr(importlib.import_module(module), func)()


def render_quiz_pages() -> dict[str, str]:
    """{path below book/ without suffix: Markdown} of the site's quiz pages (``QUIZ_PAGES_RENDERER``)."""
    module, _, func = QUIZ_PAGES_RENDERER.partition(":")
    return getattr(importlib.import_module(module), func)()


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless ``path`` already holds it (so Sphinx does not re-read the page)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def _config_inited(app: Sphinx, config: Config) -> None:
    os.environ[WIDGETS_ENV] = "static"
    if (Path(app.confdir) / "tools" / "kernel_profile.py").is_file():
        _kernel_profiles(Path(app.confdir))
    if config.html_theme_options.get("repository_url"):
        _use_repository(config)
    config.html_static_path.append(str(STATIC))
    _check_vendor(app, config)
    site_map = getattr(config, "external_site_map", None)
    listed = toc_files(site_map) if site_map is not None else set()
    srcdir = Path(app.srcdir)
    generated = set()
    if QUIZ_PAGE.removesuffix(".md") in listed:
        for rel, text in render_quiz_pages().items():
            page = Path("book", f"{rel}.md").as_posix()
            generated.add(page)
            (srcdir / page).parent.mkdir(parents=True, exist_ok=True)
            if write_if_changed(srcdir / page, text):
                logger.info(f"lrlearn_book: wrote {page} from the question bank")
    for rel in unlisted_pages(srcdir, listed):
        if rel != QUIZ_PAGE and rel not in generated:
            logger.warning(f"{rel} is not listed in _toc.yml: add it, or the site leaves it out")


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """``scripts`` without repeats (same file, same attributes, same inline body), first kept."""
    seen, out = set(), []
    for js in scripts:
        key = (
            getattr(js, "filename", str(js)) or "",  # None and "" both mean an inline script
            repr(sorted(getattr(js, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            out.append(js)
    return out


def _dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    # Jupyter Book 1.0.4 with Sphinx 7.4 lists the inline scripts of sphinx-thebe and
    # sphinx-togglebutton twice on every page; the second `const THEBE_JS_URL` is a console error.
    if "script_files" in context:
        context["script_files"][:] = unique_scripts(context["script_files"])


THEME_ICON_SCRIPT = Path("_static", "scripts", "fontawesome.js")
ICON_SCRIPT_STUB = (
    "/* The theme's Font Awesome script is not shipped: its style sheet draws the icons with the "
    "web fonts (book/_ext/lrlearn_book.py). */\n"
)


def stub_icon_script(outdir: str | Path) -> bool:
    """Replace the theme's Font Awesome script under ``outdir`` with a stub; True if replaced."""
    script = Path(outdir) / THEME_ICON_SCRIPT
    if not script.is_file() or script.read_text(encoding="utf-8") == ICON_SCRIPT_STUB:
        return False
    script.write_text(ICON_SCRIPT_STUB, encoding="utf-8")
    for extra in (script.with_name(script.name + ".map"), script.with_suffix(".js.LICENSE.txt")):
        extra.unlink(missing_ok=True)
    return True


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        stub_icon_script(app.outdir)


def setup(app: Sphinx) -> dict[str, Any]:
    # priority > 900: run after sphinx_external_toc has parsed _toc.yml, before any page is read.
    app.connect("config-inited", _config_inited, priority=950)
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    app.connect("build-finished", _build_finished)
    app.add_css_file(SITE_CSS)
    app.add_js_file(SITE_JS)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
