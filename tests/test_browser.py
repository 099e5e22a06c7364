"""Open every page of the built website from disk in headless Chromium, as a reader without a
network would, and check that it works.

For each HTML page under ``_build/html`` it asserts that

- the page asks nothing of another host (every request that is not ``file:``, ``data:``,
  ``blob:`` or ``about:`` is aborted at once and reported), and every file it loads exists;
- the browser logs no console error and the page raises no uncaught exception;
- the math is typeset by the MathJax that the site ships (every ``.math`` element holds an
  ``mjx-container``, and no formula has a TeX error or an undefined macro);
- every image has loaded (``complete`` with ``naturalWidth > 0``);
- every link inside the site points to a file that exists, and to an anchor that exists on it;
- every solution is a dropdown that starts folded (only its title takes up space).

It also checks that the search page finds results from disk.

Run it with ``make test-browser`` after ``make book``. ``make test`` leaves it out (it is marked
``browser``) because it runs before a book exists. Without Chromium or a built book it skips with
a message saying what is missing; under ``CI=true`` it fails instead, so CI cannot pass unchecked.

Chromium is found at ``$CHROMIUM`` or on the PATH (``chromium``, ``chromium-browser``,
``google-chrome``); on Debian and Ubuntu ``apt-get install chromium`` provides it. Playwright
drives it; ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
PAGE_TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]


def missing(reason: str) -> None:
    """Skip on a reader's machine, fail in CI: there the check must really run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def built_pages() -> list[str]:
    """Every HTML page of the built site, relative to it (assets and sources excluded)."""
    if not (SITE / "index.html").is_file():
        return []
    skip = {"_static", "_sources", "_images", "_downloads"}
    return sorted(
        path.relative_to(SITE).as_posix()
        for path in SITE.rglob("*.html")
        if not skip.intersection(path.relative_to(SITE).parts)
    )


PAGES = built_pages()


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM", "")]
    names = ("chromium", "chromium-browser", "google-chrome")
    candidates += [shutil.which(name) or "" for name in names]
    candidates += ["/usr/bin/chromium"]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="module")
def browser():
    if not PAGES:
        missing(f"no built book at {SITE}: run `make book` first")
    executable = find_chromium()
    if executable is None:
        missing(
            "Chromium was not found: install it (Debian/Ubuntu: `apt-get install chromium`) "
            "or set CHROMIUM=/path/to/chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (it is pinned in requirements.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def test_the_book_is_built():
    """Guards against a vacuous pass: the per-page tests below need pages to exist."""
    if not PAGES:
        missing(f"no built book at {SITE}: run `make book` first")
    assert "intro.html" in PAGES


@cache
def anchors_of(path: Path) -> frozenset[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return frozenset(re.findall(r'\b(?:id|name)="([^"]+)"', text))


def broken_links(page_path: Path, hrefs: list[str]) -> list[str]:
    """Links that point inside the site to a missing file or a missing anchor."""
    broken = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme != "file":
            continue
        target = Path(unquote(parts.path))
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"{href} (no such file)")
        elif parts.fragment and target.suffix == ".html":
            if unquote(parts.fragment) not in anchors_of(target):
                broken.append(f"{href} (no such anchor)")
    return broken


# Runs in the page once it has loaded: waits for MathJax and the images, then reports.
INSPECT_PAGE = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images);
  for (const img of images) { img.loading = "eager"; }
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  await document.fonts.ready;
  const math = Array.from(document.querySelectorAll(".math"));
  return {
    mathjaxLoaded: Boolean(window.MathJax && MathJax.version),
    mathElements: math.length,
    untypesetMath: math.filter((el) => !el.querySelector("mjx-container"))
                       .map((el) => el.textContent.trim().slice(0, 80)),
    // A TeX error becomes <merror>; an undefined macro becomes red <mtext> naming it.
    mathErrors: (window.MathJax && MathJax.startup && MathJax.startup.document
                 ? Array.from(MathJax.startup.document.math,
                              (item) => MathJax.startup.toMML(item.root))
                 : [])
      .filter((mml) => /<merror|<mtext mathcolor="red">\\/.test(mml))
      .map((mml) => mml.replace(/\s+/g, " ").slice(0, 160)),
    brokenImages: images.filter((img) => !(img.complete && img.naturalWidth > 0))
                        .map((img) => img.getAttribute("src")),
    links: Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
    unfoldedSolutions: Array.from(document.querySelectorAll(".solution"))
      .filter((el) => !(el.classList.contains("toggle-hidden")
                        && Array.from(el.children)
                             .filter((child) => !child.classList.contains("admonition-title"))
                             .every((child) => child.getBoundingClientRect().height === 0)))
      .map((el) => el.id || el.textContent.trim().slice(0, 60)),
  };
}
"""


@pytest.mark.parametrize("page_name", PAGES)
def test_page_works_offline(browser, page_name):
    page_path = SITE / page_name
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    remote, failed, console_errors, page_errors = [], [], [], []

    def refuse_remote(route):
        if urlsplit(route.request.url).scheme in LOCAL_SCHEMES:
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", refuse_remote)
    page.on("request", lambda r: remote.append(r.url)
            if urlsplit(r.url).scheme not in LOCAL_SCHEMES and r.url not in remote else None)
    page.on("websocket", lambda ws: remote.append(ws.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}")
            if urlsplit(r.url).scheme in LOCAL_SCHEMES else None)
    page.on("console", lambda m: console_errors.append(f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', page_path.read_text())
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        if redirect:  # index.html sends the reader to the first page: follow it, check that page
            target = (page_path.parent / redirect.group(1)).resolve()
            assert target.is_file(), f"{page_name} redirects to a missing page: {target}"
            page.wait_for_url(target.as_uri(), wait_until="load")
        report = page.evaluate(INSPECT_PAGE)
        page.wait_for_timeout(100)  # let late console messages arrive
    finally:
        context.close()

    problems = []
    if remote:
        problems.append(f"asked another host for: {sorted(set(remote))}")
    if failed:
        problems.append(f"could not load: {failed}")
    if page_errors:
        problems.append(f"raised uncaught exceptions: {page_errors}")
    if console_errors:
        problems.append(f"logged console errors: {console_errors}")
    if report["mathElements"] and not report["mathjaxLoaded"]:
        problems.append("has math but MathJax did not load")
    if report["untypesetMath"]:
        problems.append(f"left math as TeX: {report['untypesetMath']}")
    if report["mathErrors"]:
        problems.append(f"has TeX errors: {report['mathErrors']}")
    if report["brokenImages"]:
        problems.append(f"has images that did not load: {report['brokenImages']}")
    broken = broken_links(page_path, report["links"])
    if broken:
        problems.append(f"links to nothing: {broken}")
    if report["unfoldedSolutions"]:
        problems.append(
            "shows solutions unfolded (see togglebutton_selector in _config.yml): "
            f"{report['unfoldedSolutions']}"
        )
    if problems:
        pytest.fail(f"{page_name}:\n- " + "\n- ".join(problems), pytrace=False)


def test_search_works_offline(browser):
    """Sphinx's search runs in the page from searchindex.js, so it must work from disk too."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto((SITE / "search.html").as_uri() + "?q=Adam", wait_until="load")
        page.wait_for_selector("#search-results ul.search li")
        hits = page.locator("#search-results ul.search li").count()
    finally:
        context.close()
    assert hits > 0 and not errors, (hits, errors)
