"""Sign-in, sign-out and each role's pages through AppTest (the functions' checks: test_access.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.accounts.manage import change_account
from kpi.accounts.sign_in import MAX_FAILURES
from kpi.demo.load import DEMO_ACCOUNTS
from kpi.formatting.numbers import plain
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent
PASSWORDS = {name: secret for name, secret, *_ in DEMO_ACCOUNTS}
PAGE_TITLES = {  # English titles of the pages a role may open
    "pages/overview.py": "Portfolio overview",
    "pages/update.py": "Progress updates",
    "pages/upload.py": "Upload partner data",
    "pages/registry.py": "Projects and partners",
    "pages/reminders.py": "Reporting freshness",
    "pages/audit.py": "Audit log",
    "pages/admin.py": "Administration",
    "pages/account.py": "My account",
}
ALLOWED = {
    DEMO_ADMIN: set(PAGE_TITLES),
    DEMO_EXECUTIVE: {"pages/overview.py", "pages/reminders.py", "pages/audit.py", "pages/account.py"},
    DEMO_LEAD: {
        "pages/overview.py",
        "pages/update.py",
        "pages/upload.py",
        "pages/registry.py",
        "pages/reminders.py",
        "pages/account.py",
    },
    DEMO_PARTNER: {"pages/overview.py", "pages/upload.py", "pages/account.py"},
}


@pytest.fixture
def db_path(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "pages.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("KPI_DB", str(copy))
    yield copy


def app_for(user: str | None, page: str | None = None, **params: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if user:
        signed_in(app, user)
    app.query_params["lang"] = "en"
    for key, value in params.items():
        app.query_params[key] = value
    if page:
        app.switch_page(page)
    return app.run()


def fill_sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="signin_username").input(username)
    app.text_input(key="signin_password").input(password)
    return app.button[0].click().run()


@pytest.mark.parametrize("user", list(ALLOWED))
@pytest.mark.parametrize("page", list(PAGE_TITLES))
def test_each_role_opens_its_pages_and_no_other(db_path: Path, user: str, page: str) -> None:
    """A page outside the role's navigation cannot be reached by its address: the overview opens."""
    app = app_for(user, page)
    assert not app.exception
    expected = PAGE_TITLES[page] if page in ALLOWED[user] else "Portfolio overview"
    assert app.title[0].value == expected
    assert not app.error


def test_nothing_shows_before_sign_in(db_path: Path) -> None:
    for page in [None, *PAGE_TITLES]:
        app = app_for(None, page)
        assert [t.value for t in app.title] == ["Sign in"]
        assert not app.metric and not app.dataframe


def test_sign_in_with_the_form_then_sign_out(db_path: Path) -> None:
    app = app_for(None)
    app = fill_sign_in(app, DEMO_PARTNER, "not the password")
    assert app.error[0].value == "The user name or password is wrong."
    app = fill_sign_in(app, "Demo-Partner ", PASSWORDS[DEMO_PARTNER])  # names are not case-sensitive
    assert not app.exception
    assert app.title[0].value == "Portfolio overview"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Projects"] == "3"  # the partner's own projects: P10, P18, P20
    app.button(key="sign_out").click().run()
    assert [t.value for t in app.title] == ["Sign in"]
    assert "user" not in app.session_state


def test_repeated_failures_lock_the_name(db_path: Path) -> None:
    app = app_for(None)
    for _ in range(MAX_FAILURES):
        app = fill_sign_in(app, DEMO_EXECUTIVE, "guess")
    app = fill_sign_in(app, DEMO_EXECUTIVE, PASSWORDS[DEMO_EXECUTIVE])  # even the right password waits
    assert "Too many failed sign-ins" in app.error[0].value
    assert app.title[0].value == "Sign in"
    # Another name is not locked by these failures.
    app = fill_sign_in(app, DEMO_LEAD, PASSWORDS[DEMO_LEAD])
    assert app.title[0].value == "Portfolio overview"


def test_a_deactivated_account_is_signed_out_on_its_next_page(db_path: Path) -> None:
    app = app_for(DEMO_LEAD)
    assert app.title[0].value == "Portfolio overview"
    change_account(Database(db_path), DEMO_LEAD, {"active": False}, actor=OPERATOR, lang="en")
    app.run()
    assert [t.value for t in app.title] == ["Sign in"]


def test_a_partner_cannot_open_another_project_by_link(db_path: Path) -> None:
    app = app_for(DEMO_PARTNER, "pages/project.py", project="P01")
    assert not app.exception
    assert "P01" not in app.title[0].value
    assert app.selectbox(key="project").options == [
        o for o in app.selectbox(key="project").options if o.split()[0] in {"P10", "P18", "P20"}
    ]


def test_a_lead_updates_only_the_projects_they_lead(db_path: Path) -> None:
    app = app_for(DEMO_LEAD, "pages/update.py", project="P01")
    assert not app.exception
    assert [o.split()[0] for o in app.selectbox(key="project").options] == ["P03"]


def test_uploads_offer_only_the_users_organization(db_path: Path) -> None:
    app = app_for(DEMO_PARTNER, "pages/upload.py")
    assert [o.split()[-1] for o in app.selectbox(key="upload_org").options] == ["(UNI-SETOUCHI)"]


def test_the_account_language_follows_the_user(db_path: Path) -> None:
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()  # Japanese by default
    assert app.title[0].value == "サインイン"
    app = fill_sign_in(app, DEMO_EXECUTIVE, PASSWORDS[DEMO_EXECUTIVE])
    assert app.title[0].value == "ポートフォリオ概要"
    app.selectbox(key="lang").select("en").run()  # chosen while signed in: kept with the account
    again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    again = fill_sign_in(again, DEMO_EXECUTIVE, PASSWORDS[DEMO_EXECUTIVE])
    assert again.title[0].value == "Portfolio overview"


def test_administrators_add_an_account_that_can_sign_in(db_path: Path) -> None:
    app = app_for(DEMO_ADMIN, "pages/admin.py")
    app.text_input(key="acc_new_username").input("Sato@Uni-Setouchi")
    app.text_input(key="acc_new_display").input("佐藤")
    form = next(b for b in app.button if b.key and "account_add" in b.key)
    app.selectbox(key="acc_new_role").select("partner")
    app.selectbox(key="acc_new_org").select("UNI-SETOUCHI")
    app.text_input(key="acc_new_password").input("short")
    form.click().run()
    assert "at least 10 characters" in app.error[0].value
    app.text_input(key="acc_new_password").input("a sufficiently long one")
    next(b for b in app.button if b.key and "account_add" in b.key).click().run()
    assert app.success[0].value == plain("Account sato@uni-setouchi added.")  # Markdown-inert on screen
    fresh = fill_sign_in(app_for(None), "sato@uni-setouchi", "a sufficiently long one")
    assert fresh.title[0].value == "Portfolio overview"


def test_failures_older_than_the_window_do_not_lock(db_path: Path) -> None:
    from kpi.accounts.sign_in import LOCK_WINDOW, SignInRefused, authenticate

    db = Database(db_path)
    long_ago = datetime(2026, 11, 26, 9, 0)
    for minute in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            authenticate(db, DEMO_ADMIN, "guess", now=long_ago + timedelta(minutes=minute))
    with pytest.raises(SignInRefused) as locked:
        authenticate(db, DEMO_ADMIN, PASSWORDS[DEMO_ADMIN], now=long_ago + timedelta(minutes=10))
    assert locked.value.reason == "locked" and locked.value.minutes == 5
    later = long_ago + LOCK_WINDOW + timedelta(minutes=1)
    assert authenticate(db, DEMO_ADMIN, PASSWORDS[DEMO_ADMIN], now=later).username == DEMO_ADMIN


def test_users_change_their_own_password(db_path: Path) -> None:
    from kpi.accounts.sign_in import SignInRefused, authenticate

    app = app_for(DEMO_PARTNER, "pages/account.py")
    assert app.title[0].value == "My account"

    def submit(current: str, new: str, again: str) -> AppTest:
        fields = app.text_input
        fields[0].input(current)
        fields[1].input(new)
        fields[2].input(again)
        return next(b for b in app.button if b.key and "own_password" in b.key).click().run()

    assert submit("not mine", "a new long password", "a new long password").error[0].value == (
        "The current password is wrong."
    )
    assert submit(PASSWORDS[DEMO_PARTNER], "a new long password", "different").error[0].value == (
        "The two new passwords differ."
    )
    submit(PASSWORDS[DEMO_PARTNER], "a new long password", "a new long password")
    assert app.success[0].value == "Password changed\\."
    assert authenticate(Database(db_path), DEMO_PARTNER, "a new long password").username == DEMO_PARTNER
    with pytest.raises(SignInRefused):
        authenticate(Database(db_path), DEMO_PARTNER, PASSWORDS[DEMO_PARTNER])


def test_openid_connect_providers_from_the_secrets(db_path: Path) -> None:
    """With [auth] in .streamlit/secrets.toml the sign-in page offers each provider (st.login);
    without, only the local form. The provider round trip itself needs a live identity provider."""
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    metadata = "https://login.example.org/.well-known/openid-configuration"
    provider = {"client_id": "id", "client_secret": "secret", "server_metadata_url": metadata}
    app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 32,
                           **provider, "partnerid": dict(provider)}  # fmt: skip
    app.query_params["lang"] = "en"
    app.run()
    assert [b.label for b in app.button] == [
        "Sign in with your organization’s account",
        "Sign in with partnerid",
        "Sign in",
    ]
    assert [b.label for b in app_for(None).button] == ["Sign in"]
