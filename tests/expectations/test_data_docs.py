"""The Data Docs site works offline: no page loads CSS or JavaScript from the network, and every local file exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.warehouse import connect, ensure_schema
from expectations.data_docs import ASSETS, CDN_FILES, local_assets, localise, remote_assets
from expectations.suites import STAGED_CONTRACTS
from expectations.validate import validate_warehouse

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    con = connect(folder / "w.duckdb")
    ensure_schema(con)
    con.close()
    # Failing suites (empty tables) render the validation pages with their richest templates.
    validate_warehouse(folder / "w.duckdb", "run-offline", folder / "site", contracts=STAGED_CONTRACTS[:2])
    return folder / "site"


def test_the_built_pages_load_no_css_or_js_from_the_network(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 5  # index, 2 suites, 2 validation results
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert remote_assets(html) == [], page
        assert "amazonaws.com" not in html  # the GX logo comes from the site's own static/images
        assert "integrity=" not in html


def test_every_local_asset_a_page_names_exists(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "static/vendor/bootstrap-4.3.1/bootstrap.min.css" in index
    assert "static/vendor/jquery-3.7.1/jquery.min.js" in index
    for page in site.rglob("*.html"):
        for url in local_assets(page.read_text(encoding="utf-8")):
            assert (page.parent / url).resolve().is_file(), (page, url)
    # Font Awesome's CSS finds its fonts next to it.
    assert (site / "static" / "vendor" / "fontawesome-free-6.6.0" / "webfonts" / "fa-solid-900.woff2").is_file()


def test_every_vendored_file_exists_and_is_not_empty() -> None:
    for file in set(CDN_FILES.values()):
        assert (ASSETS / file).stat().st_size > 100, file


def test_localise_rewrites_known_urls_and_leaves_links_alone() -> None:
    html = (
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>'
        '<link rel="stylesheet" href="https://cdn.example/other.css">'
        '<a href="https://greatexpectations.io">GX</a>'
    )

    result = localise(html, "../static")

    assert result == (
        '<script src="../static/vendor/bootstrap-4.3.1/bootstrap.min.js"></script>'
        '<link rel="stylesheet" href="https://cdn.example/other.css">'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    assert remote_assets(result) == ["https://cdn.example/other.css"]  # an unknown asset is reported, not hidden


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's Chromium is not installed")
def test_the_site_renders_styled_with_the_network_cut_off(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    requested_remote: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()

            def block(route: object) -> None:
                requested_remote.append(route.request.url)  # type: ignore[attr-defined]
                route.abort()  # type: ignore[attr-defined]

            page.route("http*://**/*", block)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto((site / "index.html").as_uri())
            page.wait_for_load_state("load")
            styled = page.evaluate(
                "() => ({jquery: typeof window.jQuery, vega: typeof window.vegaEmbed,"
                " hidden: (() => { const e = document.createElement('span'); e.className = 'd-none';"
                " document.body.appendChild(e); return getComputedStyle(e).display; })(),"
                " icon: getComputedStyle(document.querySelector('.fas, .fa'), '::before').fontFamily})"
            )
        finally:
            browser.close()

    assert requested_remote == [] and failed == []
    # Bootstrap's CSS (its d-none utility), jQuery, Vega and Font Awesome all loaded from the site itself.
    assert styled["jquery"] == "function" and styled["vega"] == "function"
    assert styled["hidden"] == "none"
    assert "Font Awesome" in styled["icon"]
