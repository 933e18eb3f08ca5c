"""Concord dashboards: the entry point (``streamlit run dashboards/app.py``).

It draws what every page shares (language toggle, sign-in note) and routes to the pages with
``st.navigation``. Pages live in one folder per role (``leadership/``, later ``auditor/`` and
``engineer/``). There is deliberately no ``pages/`` folder next to this file: Streamlit would then
switch to its legacy folder-based multipage mode, which re-runs a page without this entry point
and so loses the language toggle on the first widget interaction.
"""

from __future__ import annotations

import streamlit as st

from dashboards import components, i18n

st.set_page_config(page_title="Concord", page_icon="🤝", layout="wide")

lang = components.language_toggle()
pages = {
    i18n.t("section_leadership", lang): [
        st.Page(
            "leadership/overview.py",
            title=i18n.t("page_overview", lang),
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
    ],
}
page = st.navigation(pages)
# Sign-in (Streamlit OIDC) is not configured in the local demo; PRODUCT.md asks that we say so.
st.sidebar.caption(i18n.t("no_signin", lang))
page.run()
