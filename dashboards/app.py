"""Concord dashboards: the entry point (``streamlit run dashboards/app.py``).

It draws what every page shares (language toggle, sign-in note) and routes to the pages with
``st.navigation``. Pages live in one folder per role (``leadership/``, ``auditor/``,
``engineer/``). There is deliberately no ``pages/`` folder next to this file: Streamlit would then
switch to its legacy folder-based multipage mode, which re-runs a page without this entry point
and so loses the language toggle on the first widget interaction.
"""

from __future__ import annotations

import streamlit as st

from dashboards import components, i18n

st.set_page_config(page_title="Concord", page_icon="🤝", layout="wide")

lang = components.language_toggle()
# (module, title key, icon, url path), in reading order: the overview first, then the detail pages.
LEADERSHIP_PAGES = (
    ("leadership/overview.py", "page_overview", ":material/dashboard:", "overview"),
    ("leadership/trends.py", "page_trends", ":material/trending_up:", "trends"),
    ("leadership/scorecards.py", "page_scorecards", ":material/leaderboard:", "scorecards"),
    ("leadership/coordination.py", "page_coordination", ":material/swap_horiz:", "coordination"),
    ("leadership/platforms.py", "page_platforms", ":material/public:", "platforms"),
    ("leadership/backlog.py", "page_backlog", ":material/hourglass_bottom:", "backlog"),
    ("leadership/hotspots.py", "page_hotspots", ":material/local_fire_department:", "hotspots"),
    ("leadership/public_responses.py", "page_public", ":material/campaign:", "public-responses"),
)
AUDITOR_PAGES = (
    ("auditor/data_quality.py", "page_data_quality", ":material/fact_check:", "data-quality"),
    ("auditor/quarantine.py", "page_quarantine", ":material/block:", "quarantine"),
    ("auditor/reconciliation.py", "page_reconciliation", ":material/balance:", "reconciliation"),
    ("auditor/lineage.py", "page_lineage", ":material/account_tree:", "lineage"),
)
ENGINEER_PAGES = (("engineer/operations.py", "page_operations", ":material/monitor_heart:", "operations"),)
pages = {
    i18n.t(section, lang): [
        st.Page(path, title=i18n.t(title, lang), icon=icon, url_path=url, default=url == "overview")
        for path, title, icon, url in section_pages
    ]
    for section, section_pages in (
        ("section_leadership", LEADERSHIP_PAGES),
        ("section_auditors", AUDITOR_PAGES),
        ("section_engineers", ENGINEER_PAGES),
    )
}
# expanded: with 16 pages Streamlit would otherwise fold the list after 10 behind "View more", hiding the
# auditor and engineer pages from a reader who does not know they exist.
page = st.navigation(pages, expanded=True)
# Sign-in (Streamlit OIDC) is not configured in the local demo; PRODUCT.md asks that we say so.
st.sidebar.caption(i18n.t("no_signin", lang))
page.run()
