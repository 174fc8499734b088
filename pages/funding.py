"""The funding overview (SPEC section 7): awards by programme and stage, budget against spend,
shares, calls, duties, flags."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.access import Role
from kpi.funding.detail import narrow
from ui.database import funding_status_cached, project_choices_for
from ui.sections import funding_overview as part
from ui.session import actor, language, show_date, tr, wareki
from ui.widgets import as_of_widget, enter_page, sync_url

enter_page("funding")
lang, era, user = language(), wareki(), actor()
partner = user.role == Role.PARTNER
as_of = as_of_widget()
scale = part.scale_widget()
everything, detail = funding_status_cached(user, as_of)
programmes, stages = part.filters_widget(everything, lang)
status, detail = narrow(everything, detail, programmes=programmes, stages=stages)
projects = project_choices_for(user, lang)

st.title(tr("funding_page.heading"))
st.caption(tr("funding_page.as_of_caption", date=show_date(as_of)))
if not len(everything.awards):
    st.info(tr("funding_page.no_awards_partner" if partner else "funding_page.no_awards"))
elif not len(status.awards):
    st.info(tr("funding_page.nothing_matches"))
else:
    part.headline_section(status, lang, scale, partner=partner)
    part.charts_section(status, detail, projects, lang, scale, wareki=era, partner=partner)
    part.awards_section(status, projects, lang, scale, wareki=era)
    st.subheader(tr("funding_page.flags"))
    part.flags_section(status.flags, detail, lang, scale, wareki=era, key="fund_flag")
    part.overview_duties(status, detail, projects, lang, wareki=era)
part.calls_section(status, lang, wareki=era)  # open calls matter before the first award too
sync_url()
