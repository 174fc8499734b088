"""Partners' expenditures (SPEC section 7): the organization, the template, the upload (checked,
previewed, all or nothing), the history with rollback, and the current expenditures."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from ui.database import database
from ui.sections import expense_upload as part
from ui.session import language, tr

lang = language()
db = database()
st.title(tr("expenses_page.heading"))
notice = st.container()  # always there: what follows keeps its place after an import's rerun
part.flash(notice)

org = part.organization_choice(db, lang)
if org is None:  # executives never come here (not in their navigation); nobody to upload for
    st.info(tr("upload.no_organizations"))
    st.stop()
part.template_section(db, org, lang)
part.upload_section(db, org, lang)
part.history_section(db, org, lang)
part.current_section(db, org, lang)
