"""Small fixes to the HTML that Jupyter Book 1 (Sphinx 7.4) writes, loaded from _config.yml.
Each one removes something that breaks the site for a reader with no network (1, 2) or with a
screen reader (3); the browser test (tests/test_browser.py) fails without them.

1. Sphinx 7.4 registers an inline script (``app.add_js_file(None, body=...)``) added after the
builder starts twice: once under the name ``None`` and, when it prepares writing, again under
``''``, so the two copies are not recognised as one. sphinx-thebe's configuration script declares
``const THEBE_JS_URL``, and its second copy stops with "Identifier 'THEBE_JS_URL' has already been
declared" in the browser console on every page. Renaming ``None`` to ``''`` before writing lets
Sphinx's own de-duplication drop the second copy.

2. A matplotlib animation embedded with ``to_jshtml()`` brings a ``<link>`` to Font Awesome 4 on a
CDN for the icons of its play buttons. Opened from disk with no network that request fails (a
console error). The theme already ships Font Awesome 6, which draws those same ``fa fa-play`` icons,
so the link is dropped from the page. The notebooks keep their outputs as they are.

3. Docutils writes the bibliography as ``<div role="list">`` holding ``<div
role="doc-biblioentry">`` entries. ARIA 1.2 deprecates ``doc-biblioentry`` and gives a list only
``listitem`` children, so screen readers and axe-core (rule ``aria-required-children``, critical)
find a list with no items. Each entry becomes a ``listitem``: read as one item of the list.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx

# The stylesheet link matplotlib's animation HTML (matplotlib/_animation_data.py) starts with.
REMOTE_FONT_AWESOME = re.compile(
    r'<link rel="stylesheet"\s+href="https://[^"]*/font-awesome/[^"]*\.css"\s*/?>\s*'
)


# A bibliography entry as docutils' HTML5 writer opens it (visit_citation).
BIBLIOGRAPHY_ENTRY = re.compile(r'(<div class="citation" id="[^"]*" role=)"doc-biblioentry"')


def merge_duplicate_inline_scripts(app: Sphinx, env: object) -> None:
    """Give every inline script the file name ``''`` so that Sphinx adds each one only once."""
    js_files = getattr(app.builder, "_js_files", None)
    if js_files is None:
        return
    renamed = []
    for js in js_files:
        if js.filename is None:
            js = type(js)("", priority=js.priority, **js.attributes)
        if js not in renamed:
            renamed.append(js)
    js_files[:] = renamed


def drop_remote_font_awesome(app: Sphinx, pagename: str, templatename: str, context: dict,
                             doctree: object) -> None:
    """Remove animations' links to Font Awesome on a CDN from the page body."""
    if "body" in context:
        context["body"] = REMOTE_FONT_AWESOME.sub("", context["body"])


def bibliography_entries_as_list_items(app: Sphinx, pagename: str, templatename: str,
                                       context: dict, doctree: object) -> None:
    """Give each bibliography entry the role its list requires (``listitem``)."""
    if "body" in context:
        context["body"] = BIBLIOGRAPHY_ENTRY.sub(r'\1"listitem"', context["body"])


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", merge_duplicate_inline_scripts)
    app.connect("html-page-context", drop_remote_font_awesome)
    app.connect("html-page-context", bibliography_entries_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
