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

And it checks that every page meets WCAG 2.1 level AA, for readers who use a screen reader, a
keyboard only or high zoom (``test_page_is_accessible``):

- axe-core (shipped by the pinned ``axe-playwright-python``) runs every WCAG 2.1 A and AA rule
  (tags wcag2a, wcag2aa, wcag21a, wcag21aa) at 1366 px in the light colour mode, and the colour
  rules again in the dark mode; any serious or critical violation fails, listed with its page,
  rule and element;
- every colour of code text has a contrast of 4.5:1 on its background, in both modes;
- every image in the article has alt text that is neither empty nor a file name;
- every formula carries MathJax's assistive MathML, exposed to the accessibility tree as math;
- every animation works from the keyboard;
- no page scrolls sideways at 320 px wide (400 % zoom; code, formulas and tables scroll in place).

In the same pages at 1366 px, the most common laptop width, it checks that no code or output block
(code cell, output, code block; solutions and folded code unfolded) is wider than its box, so that
none needs a sideways scroll; each one that is, is listed with its page and its first line too
long for it. ``tests/test_line_widths.py`` keeps the stored code within 80 characters and the
outputs within 84, which fit there, and names the cell without a browser.

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


# ---------------------------------------------------------------------------------------------
# Accessibility: WCAG 2.1 level AA, for readers with a screen reader, a keyboard only or high zoom.
# ---------------------------------------------------------------------------------------------

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The WCAG A/AA rules whose outcome depends on colours: the only ones the dark mode can change.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# Left out of axe-core's contrast rule, which takes seconds per thousand elements there:
# - code cells: thousands of syntax-highlighted tokens; CHECK_CODE_CONTRAST below checks each
#   token colour against its background instead, in both modes;
# - MathJax's rendering: its glyphs are CSS-drawn in the text colour around them (no text for
#   axe to measure), and its MathML copy is off screen.
CONTRAST_SELECTOR = "*:not(.highlight):not(.highlight *):not(mjx-container):not(mjx-container *)"
FAILING_IMPACTS = ["serious", "critical"]
AXE_VIEWPORT = {"width": 1366, "height": 900}
# An alt text that is a file name or a path ("../_images/6848b2...png", "figure.svg"), or a word
# that says nothing about the picture.
FILE_NAME_ALT = re.compile(
    r"^(\S*[/\\]\S*|\S+\.(png|jpe?g|gif|svg|webp|bmp|tiff?|pdf))$|_images/|^data:", re.IGNORECASE
)
PLACEHOLDER_ALTS = {"image", "img", "figure", "fig", "plot", "graph", "chart", "picture", "png",
                    "output", "animation", "untitled"}  # fmt: skip


def redirects(page_name: str) -> bool:
    text = (SITE / page_name).read_text(encoding="utf-8", errors="replace")
    return 'http-equiv="Refresh"' in text


# index.html only sends the reader on to intro.html, which is checked as itself.
READABLE_PAGES = [name for name in PAGES if not redirects(name)]
MATH_PAGES = [
    name for name in READABLE_PAGES
    if 'class="math' in (SITE / name).read_text(encoding="utf-8", errors="replace")
]  # fmt: skip


@pytest.fixture(scope="module")
def axe_script() -> str:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python is not installed (it is pinned in requirements.txt)")
    return Axe().axe_script


# Runs in the page: starts axe-core without waiting for it, so that the light and the dark page
# (each in its own renderer process) are checked at the same time.
START_AXE = """
([options, contrastSelector]) => {
  axe.configure({ rules: [{ id: "color-contrast", selector: contrastSelector }] });
  window.__axeRun = axe.run(document, options);
}
"""

# Runs in the page: waits for axe-core and keeps only what the report needs.
COLLECT_AXE = """
(impacts) => window.__axeRun.then((results) => results.violations
  .filter((violation) => impacts.includes(violation.impact))
  .map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      html: node.html.replace(/\\s+/g, " ").slice(0, 160),
      why: (node.failureSummary || "").replace(/\\s+/g, " ").slice(0, 240),
    })),
  })))
"""

# Runs in the page: the contrast of every colour of text in a code cell against the background
# behind it (WCAG 1.4.3: 4.5:1 for text of normal size), one entry per failing pair of colours.
CHECK_CODE_CONTRAST = r"""
() => {
  const parse = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    return layers.reduceRight((below, top) => over(top, below), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = ({ r, g, b }) => {
    const lin = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const seen = new Map();
  for (const block of document.querySelectorAll(".highlight pre")) {
    // Folded cells (hide-input) too: their computed colours are those they are shown in.
    for (const el of [block, ...block.querySelectorAll("*")]) {
      const hasText = Array.from(el.childNodes)
        .some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!hasText) continue;
      const style = getComputedStyle(el);
      const fg = parse(style.color);
      if (!fg || style.visibility === "hidden") continue;
      const bg = background(el);
      const key = `${style.color} on ${JSON.stringify(bg)}`;
      if (seen.has(key)) continue;
      const text = over(fg, bg);
      const [r, g, b] = [bg.r, bg.g, bg.b].map(Math.round);
      seen.set(key, { ratio: ratio(text, bg), colour: style.color, classes: el.className,
                      background: `rgb(${r}, ${g}, ${b})`,
                      sample: el.textContent.trim().slice(0, 30) });
    }
  }
  return Array.from(seen.values()).filter((pair) => pair.ratio < 4.5);
}
"""

# Runs in the page: whether it scrolls sideways at the width it is shown at (WCAG 1.4.10, reflow, is
# checked at 320 px: a 1280 px window zoomed to 400 %), and if so the elements that stick out. Code
# cells, wide formulas and tables may scroll inside their own box; the page itself may not.
CHECK_REFLOW = r"""
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const scrolls = (el) => ["auto", "scroll", "hidden", "clip"]
    .includes(getComputedStyle(el).overflowX);
  // Its box, or content overflowing a box that does not scroll, goes past the right edge.
  const sticksOut = (el) => {
    const box = el.getBoundingClientRect();
    const content = scrolls(el) ? box.right : box.left + el.scrollWidth;
    return Math.max(box.right, content) > width + 1;
  };
  const scrollsInside = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (scrolls(box) && box.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const wide = new Set(Array.from(document.querySelectorAll(".bd-article *"))
    .filter((el) => el.getClientRects().length && sticksOut(el) && !scrollsInside(el)));
  // The innermost: those with nothing inside them that sticks out too.
  const culprits = Array.from(wide)
    .filter((el) => !Array.from(el.children).some((child) => wide.has(child)))
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).split(" ").join(".")}: `
                 + el.textContent.trim().slice(0, 50));
  return culprits.length ? culprits : ["something outside the article (header, sidebars)"];
}
"""
REFLOW_VIEWPORT = {"width": 320, "height": 256}

# Runs in the page at 1366 px (AXE_VIEWPORT), after every other check of it: unfolds what starts
# folded (solutions, hide-input code), then lists each code or output block (every <pre> of the
# article: code cells, outputs, code blocks, docstring examples) whose content is wider than its
# box, with the first line that does not fit.
CHECK_CODE_WIDTH = r"""
() => {
  for (const details of document.querySelectorAll(".bd-article details")) details.open = true;
  for (const folded of document.querySelectorAll(".bd-article .toggle-hidden")) {
    folded.classList.remove("toggle-hidden");
  }
  const measure = document.createElement("canvas").getContext("2d");
  const blocks = Array.from(document.querySelectorAll(".bd-article pre"));
  const wide = [];
  blocks.forEach((pre, index) => {
    if (pre.scrollWidth <= pre.clientWidth + 1) return;
    const style = getComputedStyle(pre);
    measure.font = `${style.fontSize} ${style.fontFamily}`;
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const line = pre.textContent.split("\n")
      .find((text) => measure.measureText(text).width > room + 1) || "";
    const kind = pre.closest(".cell_input") ? "code cell"
      : pre.closest(".cell_output") ? "cell output"
      : pre.closest(".doctest") ? "docstring example" : "code block";
    const solution = pre.closest(".solution");
    const section = pre.closest("section[id]");
    const where = solution
      ? `, in "${solution.querySelector(".admonition-title").textContent.trim()}"`
      : section ? `, in #${section.id}` : "";
    wide.push({
      block: `${kind} (block ${index + 1} of ${blocks.length}${where})`,
      excess: pre.scrollWidth - pre.clientWidth,
      line: line.trim().slice(0, 120),
      length: line.length,
    });
  });
  return { wide, blocks: blocks.length };
}
"""
# Runs in the page once MathJax is done and the theme has faded its buttons into the colour mode
# (150 ms CSS transitions that start on load: measured before they end, colours are half-way):
# the colour mode shown, the images of the article with their alt text, and whether every formula
# can be read by a screen reader (an assistive MathML copy, and the visual rendering hidden from
# it so that it is not read twice).
INSPECT_ACCESSIBILITY = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await Promise.all(document.getAnimations()
    .filter((animation) => animation instanceof CSSTransition)
    .map((animation) => animation.finished.catch(() => null)));
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const images = article ? Array.from(article.querySelectorAll("img")) : [];
  const containers = Array.from(document.querySelectorAll("mjx-container"));
  return {
    theme: document.documentElement.dataset.theme,
    images: images.map((img) => ({
      src: (img.getAttribute("src") || "").slice(0, 80),
      alt: img.getAttribute("alt"),
    })),
    assistiveMmlOn: Boolean(window.MathJax && MathJax.startup && MathJax.startup.document
                            && MathJax.startup.document.options.enableAssistiveMml),
    formulas: containers.length,
    formulasWithoutMathml: containers
      .filter((c) => {
        const mml = c.querySelector(":scope > mjx-assistive-mml > math");
        return !mml || !mml.textContent.trim() || mml.closest('[aria-hidden="true"]');
      })
      .map((c) => c.textContent.trim().slice(0, 60)),
    formulasReadTwice: containers
      .filter((c) => {
        const visual = c.querySelector(":scope > mjx-math");
        return visual && visual.getAttribute("aria-hidden") !== "true";
      }).length,
    animations: document.querySelectorAll(".animation").length,
  };
}
"""


def useless_alt(alt: str | None) -> str | None:
    """Why an image's alt text does not describe it, or None if it might."""
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt text"
    if FILE_NAME_ALT.search(text):
        return "alt text is a file name"
    if text.lower().strip(".") in PLACEHOLDER_ALTS:
        return "alt text says nothing about the picture"
    return None


def open_in_mode(browser, page_name: str, mode: str):
    """The page opened from disk in a new context whose system colour mode is ``mode``; the site's
    default mode is "auto", so the theme follows it."""
    context = browser.new_context(viewport=AXE_VIEWPORT, color_scheme=mode, service_workers="block")
    context.route("**/*", lambda route: route.continue_()
                  if urlsplit(route.request.url).scheme in LOCAL_SCHEMES
                  else route.abort("internetdisconnected"))  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto((SITE / page_name).as_uri(), wait_until="load")
    return context, page


def describe_violations(mode: str, violations: list[dict]) -> list[str]:
    """One entry per violated rule: the rule, then each element with why it fails."""
    entries = []
    for violation in violations:
        lines = [f"[{mode} mode] {violation['rule']} ({violation['impact']}): {violation['help']}"]
        for node in violation["nodes"]:
            lines.append(f"    element {node['target']}: {node['html']}")
            lines.append(f"        {node['why']}")
        entries.append("\n".join(lines))
    return entries


def check_animation_keyboard(page) -> list[str]:
    """Every animation works from the keyboard: the slider moves with the arrow keys, the buttons
    with Enter and Space, and each control can be reached with Tab."""
    problems = []
    animations = page.locator(".animation")
    for index in range(animations.count()):
        name = f"animation {index + 1}"
        animation = animations.nth(index)
        image = animation.locator("img")
        slider = animation.locator('input[type="range"]')
        page.wait_for_function("(img) => img.src.startsWith('data:image')",
                               arg=image.element_handle())  # fmt: skip
        unreachable = animation.evaluate(
            """(a) => Array.from(a.querySelectorAll("button, input"))
                 .filter((el) => el.disabled || el.tabIndex < 0)
                 .map((el) => el.getAttribute("aria-label") || el.id)"""
        )
        if unreachable:
            problems.append(f"{name}: controls out of the Tab order: {unreachable}")
        first_frame = image.get_attribute("src")
        slider.focus()
        page.keyboard.press("ArrowRight")
        if slider.input_value() != "1" or image.get_attribute("src") == first_frame:
            problems.append(f"{name}: the right arrow on the slider does not show the next frame")
        page.keyboard.press("Tab")
        if not animation.evaluate("(a) => a.querySelector('button') === document.activeElement"):
            problems.append(f"{name}: Tab from the slider does not reach the first button")
        animation.get_by_role("button", name="Next frame").focus()
        page.keyboard.press("Enter")
        if slider.input_value() != "2":
            problems.append(f"{name}: Enter on 'Next frame' does not step forward")
        animation.get_by_role("button", name="First frame").focus()
        page.keyboard.press(" ")
        if slider.input_value() != "0" or image.get_attribute("src") != first_frame:
            problems.append(f"{name}: Space on 'First frame' does not go back to the start")
    return problems


def test_alt_texts_that_describe_nothing_are_refused():
    """The rule the article's images are held to (no browser needed)."""
    assert useless_alt(None) == "no alt attribute"
    assert useless_alt("  ") == "empty alt text"
    for name in ("../_images/6848b2c0.png", "6848b2c0.png", "figure.SVG", "_images/x", "a/b"):
        assert useless_alt(name) == "alt text is a file name", name
    assert useless_alt("Figure.") == "alt text says nothing about the picture"
    assert useless_alt("Loss against step for Adam and SGD; Adam's curve lies below.") is None
    assert useless_alt("Adam's step is 0.001 at step 1.") is None


def test_there_is_math_to_check():
    """Guards the math check of test_page_is_accessible against a vacuous pass."""
    if not PAGES:
        missing(f"no built book at {SITE}: run `make book` first")
    assert MATH_PAGES, "no page has math: the check that screen readers can read it ran nowhere"


@pytest.mark.parametrize("page_name", READABLE_PAGES)
def test_page_is_accessible(browser, axe_script, page_name):
    """WCAG 2.1 A and AA as axe-core checks them, in the light and the dark colour mode; alt text
    for every image of the article; math that a screen reader can read; animations that work from
    the keyboard.

    In the light mode axe-core runs every WCAG 2.1 A/AA rule; at the same time, in the dark mode,
    it runs the rules that depend on colours (contrast, links told apart from text), the only ones
    a colour mode can change. Any serious or critical violation fails the page, listed with its
    rule and element. Then the dark page is narrowed to 320 px, where it must not scroll sideways.
    Last, every code and output block of the light page, unfolded, must fit its box at 1366 px.
    """
    runs = {
        "light": {"runOnly": {"type": "tag", "values": WCAG_TAGS}},
        "dark": {"runOnly": {"type": "rule", "values": COLOUR_RULES}},
    }
    for options in runs.values():
        options["resultTypes"] = ["violations"]  # passes are not itemised: faster
    contexts, pages = {}, {}
    try:
        for mode in runs:
            contexts[mode], pages[mode] = open_in_mode(browser, page_name, mode)
        reports = {mode: page.evaluate(INSPECT_ACCESSIBILITY) for mode, page in pages.items()}
        wrong = {mode: rep["theme"] for mode, rep in reports.items() if rep["theme"] != mode}
        assert not wrong, f"{page_name}: could not show the page in each colour mode: {wrong}"
        for mode, page in pages.items():
            page.evaluate(axe_script)
            page.evaluate(START_AXE, [runs[mode], CONTRAST_SELECTOR])
        code_contrast = {mode: page.evaluate(CHECK_CODE_CONTRAST) for mode, page in pages.items()}
        violations = {mode: page.evaluate(COLLECT_AXE, FAILING_IMPACTS)
                      for mode, page in pages.items()}  # fmt: skip
        pages["dark"].set_viewport_size(REFLOW_VIEWPORT)  # axe-core is done with it
        overflow = pages["dark"].evaluate(CHECK_REFLOW)
        light = pages["light"]
        report = reports["light"]
        first_formula = ""
        if report["formulas"]:
            first_formula = light.locator("mjx-container >> visible=true").first.aria_snapshot()
        keyboard_problems = check_animation_keyboard(light) if report["animations"] else []
        # Last, as it unfolds the solutions and the folded code of the light page.
        code_width = light.evaluate(CHECK_CODE_WIDTH)
    finally:
        for context in contexts.values():
            context.close()

    problems = []
    for mode in runs:
        problems += describe_violations(mode, violations[mode])
        for pair in code_contrast[mode]:
            problems.append(
                f"[{mode} mode] code-contrast: code text {pair['sample']!r} (class "
                f"{pair['classes']!r}) in {pair['colour']} on {pair['background']}: contrast "
                f"{pair['ratio']:.2f}, needs 4.5"
            )
    if overflow:
        problems.append(f"scrolls sideways at {REFLOW_VIEWPORT['width']} px wide (400 % zoom), "
                        f"because of: {overflow}")
    for image in report["images"]:
        reason = useless_alt(image["alt"])
        if reason:
            problems.append(f"image {image['src']}: {reason} ({image['alt']!r}); write what it "
                            "shows and what to take from it (cell metadata mystnb: image: alt:)")
    if report["formulas"]:
        if not report["assistiveMmlOn"]:
            problems.append("MathJax's assistive MathML is off (mathjax3_config in _config.yml)")
        if report["formulasWithoutMathml"]:
            problems.append("formulas with no MathML for screen readers: "
                            f"{report['formulasWithoutMathml'][:5]}")
        if report["formulasReadTwice"]:
            problems.append(f"{report['formulasReadTwice']} formulas would be read twice (their "
                            "rendering is not hidden from screen readers)")
        if not first_formula.startswith("- math"):
            problems.append("the first formula is not in the accessibility tree as math: "
                            f"{first_formula!r}")
    problems += keyboard_problems
    if re.fullmatch(r"chapters/\d\d_\w+\.html", page_name) and not code_width["blocks"]:
        problems.append("no code block found to check the width of (.bd-article pre)")
    for block in code_width["wide"]:
        problems.append(
            f"needs a sideways scroll at {AXE_VIEWPORT['width']} px: {block['block']} is "
            f"{block['excess']} px too wide; its first line too long ({block['length']} "
            f"characters): {block['line']!r} (rewrap the chapter source, or the adamlib code or "
            "docstring it shows; tests/test_line_widths.py finds such lines without a browser)"
        )
    if problems:
        pytest.fail(f"{page_name}:\n- " + "\n- ".join(problems), pytrace=False)
