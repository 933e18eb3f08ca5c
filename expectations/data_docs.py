"""Make the GX Data Docs site self-contained: its pages load Bootstrap, jQuery, Font Awesome, Vega… from local copies.

GX 1.24's page templates (``great_expectations/render/view/templates/*.j2``) hard-code CDN URLs for their CSS and
JavaScript and GX ships none of those files (its ``static/`` folder holds only its own styles, fonts and images), so
an auditor's offline machine sees unstyled pages. The same files, taken from their npm packages at the versions the
templates name, live in ``expectations/data_docs_assets/`` (see its README); after each build,
:func:`make_offline` copies them into the site's ``static/vendor/`` and rewrites every page's ``<script src>`` and
``<link href>`` to them (dropping ``integrity``/``crossorigin``, which a ``file://`` page cannot satisfy). The GX
logo, fetched from a web bucket, points to the copy GX itself puts in ``static/images``, and links to the site's
own ``static/`` files are recomputed (GX miscounts the depth of validation-result pages, so their favicon 404s).

No GX import: this works on the built HTML only. When a GX upgrade changes a URL, :func:`remote_assets` finds it and
``tests/expectations/test_data_docs.py`` fails, naming it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "data_docs_assets"
VENDOR = Path("static") / "vendor"

# CDN URL in GX's templates → file under data_docs_assets/.
CDN_FILES: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    # The templates mix 1.19.0 and 1.19.1 for the filter-control CSS; 1.19.1's is served for both.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}

_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SRI = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*(["']).*?\1""", re.IGNORECASE | re.DOTALL)
_GX_IMAGE = re.compile(
    r"https://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/([\w.-]+\.png)(?:\?[^\"')]*)?"
)
# GX logos fetched from its web bucket → the images GX copies into the site's static/images (it has no dark logo).
GX_IMAGES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}
# GX writes the site's own static files relative to the page but miscounts the depth of validation-result pages.
_SITE_STATIC = re.compile(r"^(?:\./|(?:\.\./)+)static/")


def make_offline(site_dir: Path) -> int:
    """Copy the vendored assets into the site and point every page at them; returns the number of pages changed."""
    site_dir = Path(site_dir)
    shutil.copytree(ASSETS, site_dir / VENDOR, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    changed = 0
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        rewritten = localise(html, os.path.relpath(site_dir / "static", page.parent))
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
            changed += 1
    return changed


def localise(html: str, static_prefix: str) -> str:
    """``html`` with known CDN assets and the GX logo replaced by paths under ``static_prefix`` (the static folder)."""
    prefix = Path(static_prefix).as_posix()

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        url = _URL.search(text)
        if url is None:
            return text
        if url.group(3) in CDN_FILES:
            local = f"{prefix}/vendor/{CDN_FILES[url.group(3)]}"
            return _SRI.sub("", text[: url.start(3)] + local + text[url.end(3) :])
        if _SITE_STATIC.match(url.group(3)):
            return text[: url.start(3)] + _SITE_STATIC.sub(f"{prefix}/", url.group(3)) + text[url.end(3) :]
        return text

    def image(match: re.Match[str]) -> str:
        name = GX_IMAGES.get(match.group(1))
        return f"{prefix}/images/{name}" if name else match.group(0)

    return _GX_IMAGE.sub(image, _TAG.sub(tag, html))


def remote_assets(html: str) -> list[str]:
    """The http(s) URLs of scripts and stylesheets a page still loads from the network."""
    found = []
    for match in _TAG.finditer(html):
        text = match.group(0)
        is_script = text.lower().startswith("<script")
        if not is_script and not re.search(r"""rel\s*=\s*["']?stylesheet""", text, re.IGNORECASE):
            continue
        url = _URL.search(text)
        if url and re.match(r"(?:https?:)?//", url.group(3)):
            found.append(url.group(3))
    return found


def local_assets(html: str) -> list[str]:
    """The relative URLs of the scripts and stylesheets a page loads (to check that each file exists)."""
    found = []
    for match in _TAG.finditer(html):
        url = _URL.search(match.group(0))
        if url and not re.match(r"(?:[a-z]+:)?//|#|data:", url.group(3)):
            found.append(url.group(3))
    return found
