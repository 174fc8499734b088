"""Reminder e-mails (SPEC section 9) against a real SMTP server on 127.0.0.1 (tests/mail_support.py):
the digests' headers and bodies in both languages, one digest per contact, the no-repeat rule, a
server that refuses and one that is down, who may send and edit contacts, and the contacts kept by
setup and edited on the registry and account pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.funding.duties import owed_reports
from kpi.i18n import t
from kpi.operations.contacts import address_problem, reminder_contacts, save_organization_contact
from kpi.operations.digests import build_digests
from kpi.operations.mailer import MailConfigError, load_config
from kpi.operations.sending import MailNotConfigured, reminder_repeat_days, run_reminders, sent_log
from kpi.partnerships.reminders import open_action_items
from kpi.portfolio.freshness import freshness_frame
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.accounts import insert_account
from tests.conftest import DEMO_TODAY, signed_in
from tests.mail_support import SENDER, SmtpServer, free_port, smtp_login_server, smtp_server
from tests.test_setup import write_registry

__all__ = ["smtp_login_server", "smtp_server"]  # fixtures

ROOT = Path(__file__).parent.parent
ADMIN = Actor.operator("admin")
URL = "https://kpi.example.jp"
AKANE = "matsumoto@co-akane.example.jp"  # CO-AKANE: a KPI report (P22) and three action items
TAKUMI = "kato@co-takumi.example.jp"  # CO-TAKUMI: a funder's report (JST-2025-008) and three action items
DEMO_DIGESTS = 33  # demo contacts whose organizations owe something on DEMO_TODAY


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    handle = Database(copy)
    yield handle
    handle.close()


def send(db: Database, server: SmtpServer, **config: Any) -> Any:
    return run_reminders(db, DEMO_TODAY, actor=ADMIN, send=True, config=server.config(**config), url=URL)


def messages_to(server: SmtpServer, address: str) -> list[EmailMessage]:
    return [r.message() for r in server.handler.received if address in r.rcpt_tos]


def content(message: EmailMessage) -> str:
    """The body as written (SMTP carries it with CRLF line ends)."""
    return str(message.get_content()).replace("\r\n", "\n")


def sends(db: Database) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        return cursor.execute(
            "SELECT recipient, status, error, sent_on, items FROM reminder_sends ORDER BY id"
        ).fetchall()


# -- headers and bodies ----------------------------------------------------------------------------
def test_a_japanese_digest_says_what_for_which_period_by_when_and_where(
    db: Database, smtp_server: SmtpServer
) -> None:
    run = send(db, smtp_server)
    assert len(run.sent) == DEMO_DIGESTS and not run.failed
    [message] = messages_to(smtp_server, AKANE)
    assert message["To"] == AKANE
    assert message["From"] == SENDER
    assert message["Subject"] == "[産学官連携KPI] ご報告のお願い（4件）"
    assert message["Date"] and message["Message-ID"].endswith("@example.jp>")
    assert message.get_content_charset() == "utf-8"
    body = content(message)
    assert body.startswith("茜アグリサイエンス株式会社 ご担当者様")
    assert "いつも産学官連携プロジェクトへのご協力をありがとうございます。" in body
    assert "2026年11月26日時点で、次の 4 件" in body
    assert "・P22 機能性作物の品種開発：2026年度第2四半期分のご報告（期限 2026年10月30日）" in body
    assert "　対象の指標：外部資金獲得額・共同研究の件数・地域雇用の創出数・特許出願件数" in body
    assert (
        "・自治体向け説明資料を作成（P06 ドローンとAIによる施設園芸の省力化、2026年8月2日の定例会・振り返り）"
        in body
    )
    assert "期限 2026年9月6日（期限から 81 日経過）" in body
    assert "期限 2026年12月6日（あと 10 日）" in body
    assert f"{URL}/upload" in body and "テンプレート" in body
    assert body.rstrip().endswith(
        "産学官連携KPIダッシュボード 事務局\n（このメールは自動で送信しています。）"
    )
    [funder] = messages_to(smtp_server, TAKUMI)
    text = content(funder)
    assert (
        "・年度報告（課題番号 JST-2025-008、P16 工場間自動搬送ロボットの社会実装）："
        "期限 2026年5月31日（期限から 179 日経過）" in text
    )
    assert f"{URL}/awards" in text and f"{URL}/upload" not in text  # no KPI report owed: no upload link


def test_an_english_contact_gets_its_digest_in_english(db: Database, smtp_server: SmtpServer) -> None:
    save_organization_contact(db, "CO-AKANE", AKANE, "en", actor=ADMIN, lang="en")
    save_organization_contact(db, "CO-TAKUMI", TAKUMI, "en", actor=ADMIN, lang="en")
    send(db, smtp_server)
    [message] = messages_to(smtp_server, AKANE)
    assert message["Subject"] == "[KPI dashboard] 4 items to report"
    body = content(message)
    assert body.startswith("Dear Akane Agriscience Co., Ltd. team,")
    assert "As of 26 Nov 2026, the following are still open (4)" in body
    assert "- P22 Breeding functional crops: the report for FY2026 Q2, due by 30 Oct 2026" in body
    assert "  KPIs: External funding" in body and "Patent applications" in body
    assert "- 自治体向け説明資料を作成 (P06 " in body  # the item as typed
    assert "due 6 Sep 2026, 81 days ago" in body and "due 6 Dec 2026, in 10 days" in body
    assert f"the upload page, which also offers a template to fill in for each project:\n{URL}/upload" in body
    assert "The KPI dashboard office" in body
    [funder] = messages_to(smtp_server, TAKUMI)
    assert "- The annual report for award JST-2025-008 (P16 " in content(funder)
    assert "due 31 May 2026, 179 days ago" in content(funder)
    assert messages_to(smtp_server, "okamoto@uni-setouchi.example.jp")[0]["Subject"].startswith(
        "[産学官連携KPI]"
    )


# -- one digest per contact ------------------------------------------------------------------------
def test_each_contact_that_owes_something_gets_exactly_one_digest(
    db: Database, smtp_server: SmtpServer
) -> None:
    run = send(db, smtp_server)
    counts = smtp_server.handler.per_recipient()
    assert set(counts.values()) == {1} and len(counts) == DEMO_DIGESTS
    # Independently: the organizations the reminders page says owe something, and their addresses.
    owing = set(freshness_frame(db, DEMO_TODAY, "en", actor=ADMIN).query("overdue")["organization_code"])
    owing |= set(owed_reports(db, DEMO_TODAY, "en", actor=ADMIN)["owner"])
    owing |= set(open_action_items(db, DEMO_TODAY, "en", actor=ADMIN)["owner"])
    contacts = {c.organization_codes[0]: c.address for c in reminder_contacts(db, actor=ADMIN)}
    assert len(contacts) == 38  # every demo organization has an address
    assert set(counts) == {contacts[code] for code in owing}
    assert sum(len(d.items) for d in run.sent) == 60  # 3 KPI reports, 1 funder report, 56 action items
    assert [row[1] for row in sends(db)] == ["sent"] * DEMO_DIGESTS


def test_an_address_serving_two_organizations_and_an_account_gets_one_digest(db: Database) -> None:
    save_organization_contact(db, "UNI-HOKUTO", "office@example.jp", "ja", actor=ADMIN, lang="en")
    save_organization_contact(db, "UNI-SETOUCHI", "Office@Example.jp", "ja", actor=ADMIN, lang="en")
    with db.transaction() as cursor:
        for name, email, active, org, language in (
            ("setouchi-partner", "OFFICE@example.jp", True, "UNI-SETOUCHI", "en"),  # the same address
            ("sakuragi-lead", "lead@sakuragi.example.com", True, "CO-SAKURAGI", "en"),
            ("gone", "gone@example.jp", False, "CO-AKANE", None),
        ):
            account = {"username": name, "display_name": name, "role": "partner", "organization_code": org,
                       "email": email, "language": language, "active": active}  # fmt: skip
            insert_account(cursor, account, actor="admin", now=__import__("datetime").datetime.now())
    digests = build_digests(db, DEMO_TODAY, actor=ADMIN, url=URL)
    office = [d for d in digests if d.recipient.lower() == "office@example.jp"]
    assert len(office) == 1 and office[0].organization_codes == ("UNI-HOKUTO", "UNI-SETOUCHI")
    assert office[0].language == "ja"  # the organization's own address came first
    assert "【北斗工科大学】" in office[0].body and "【瀬戸内海洋大学】" in office[0].body
    assert office[0].subject == "[産学官連携KPI] ご報告のお願い（4件）"  # 3 items + 1 KPI report
    lead = [d for d in digests if d.recipient == "lead@sakuragi.example.com"]
    assert len(lead) == 1 and lead[0].language == "en" and lead[0].subject.startswith("[KPI dashboard]")
    assert not [d for d in digests if d.recipient == "gone@example.jp"]  # inactive accounts get none
    assert len(digests) == DEMO_DIGESTS - 1 + 1


def test_a_contact_that_owes_nothing_gets_no_digest(db: Database) -> None:
    recipients = {d.recipient for d in build_digests(db, DEMO_TODAY, actor=ADMIN)}
    assert "oshiro@uni-nanto.example.jp" not in recipients  # UNI-NANTO owes nothing on that day
    assert {c.address for c in reminder_contacts(db, actor=ADMIN)} > recipients


# -- the no-repeat rule ----------------------------------------------------------------------------
def test_a_digest_is_not_repeated_within_the_setting_days(
    db: Database, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(send(db, smtp_server).sent) == DEMO_DIGESTS
    again = send(db, smtp_server)
    assert (len(again.sent), len(again.skipped), len(again.failed)) == (0, DEMO_DIGESTS, 0)
    assert {day for _, day in again.skipped} == {DEMO_TODAY}
    monkeypatch.setenv("KPI_TODAY", (DEMO_TODAY + timedelta(days=6)).isoformat())
    assert len(send(db, smtp_server).sent) == 0
    monkeypatch.setenv("KPI_TODAY", (DEMO_TODAY + timedelta(days=7)).isoformat())  # the cron's next Monday
    assert len(send(db, smtp_server).sent) == DEMO_DIGESTS
    assert len(smtp_server.handler.received) == 2 * DEMO_DIGESTS
    assert {row[3] for row in sends(db)} == {DEMO_TODAY, DEMO_TODAY + timedelta(days=7)}


def test_a_dry_run_sends_and_records_nothing(db: Database, smtp_server: SmtpServer) -> None:
    run = run_reminders(db, DEMO_TODAY, actor=ADMIN, send=False)
    assert len(run.due) == DEMO_DIGESTS and not run.sent and not run.failed
    assert sends(db) == [] and smtp_server.handler.received == []
    with pytest.raises(MailNotConfigured):
        run_reminders(db, DEMO_TODAY, actor=ADMIN, send=True, config=None)


# -- a server that refuses, one that is down ---------------------------------------------------------
def test_a_refused_recipient_is_recorded_as_failed_and_retried_next_run(
    db: Database, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.refuse_rcpt = "550 5.1.1 No such mailbox here"
    smtp_server.handler.refuse_only = {TAKUMI}
    run = send(db, smtp_server)
    assert [d.recipient for d, _ in run.failed] == [TAKUMI] and len(run.sent) == DEMO_DIGESTS - 1
    assert "550 5.1.1 No such mailbox here" in run.failed[0][1]
    failed = [row for row in sends(db) if row[1] == "failed"]
    assert failed == [(TAKUMI, "failed", run.failed[0][1], DEMO_TODAY, 4)]
    with db.cursor() as cursor:
        audited = cursor.execute("SELECT count(*) FROM audit_log WHERE entity = 'reminder_sends'").fetchone()
    assert audited == (DEMO_DIGESTS,)
    smtp_server.handler.refuse_rcpt = None
    retry = send(db, smtp_server)
    assert [d.recipient for d in retry.sent] == [TAKUMI] and len(retry.skipped) == DEMO_DIGESTS - 1
    assert len(messages_to(smtp_server, TAKUMI)) == 1


def test_a_refused_message_is_failed_for_everyone_and_nothing_is_lost(
    db: Database, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.refuse_data = "554 5.7.1 Message rejected"
    run = send(db, smtp_server)
    assert len(run.failed) == DEMO_DIGESTS and not run.sent and smtp_server.handler.received == []
    assert {row[2] for row in sends(db)} == {"554 5.7.1 Message rejected"}
    smtp_server.handler.refuse_data = None
    assert len(send(db, smtp_server).sent) == DEMO_DIGESTS


def test_a_server_that_is_down_fails_every_send_and_the_next_run_sends_them(
    db: Database, smtp_server: SmtpServer
) -> None:
    down = send(db, smtp_server, port=free_port())
    assert len(down.failed) == DEMO_DIGESTS and not down.sent
    assert all("ConnectionRefusedError" in reason for _, reason in down.failed)
    assert [row[1] for row in sends(db)] == ["failed"] * DEMO_DIGESTS
    up = send(db, smtp_server)
    assert len(up.sent) == DEMO_DIGESTS and not up.skipped
    log = sent_log(db, actor=ADMIN)
    assert len(log) == 2 * DEMO_DIGESTS and list(log["status"][:DEMO_DIGESTS]) == ["sent"] * DEMO_DIGESTS


def test_starttls_asked_of_a_server_without_it_fails(db: Database, smtp_server: SmtpServer) -> None:
    run = send(db, smtp_server, starttls=True)
    assert len(run.failed) == DEMO_DIGESTS
    assert "STARTTLS extension not supported by server" in run.failed[0][1]


def test_login_when_a_user_is_set(db: Database, smtp_login_server: SmtpServer) -> None:
    assert len(send(db, smtp_login_server).sent) == DEMO_DIGESTS
    wrong = run_reminders(
        db, DEMO_TODAY + timedelta(days=0), actor=ADMIN, send=True,
        config=smtp_login_server.config(password="wrong", user="someone-else"), url=URL,
    )  # fmt: skip
    assert not wrong.due  # all sent today already: nothing tried
    with db.transaction() as cursor:
        cursor.execute("DELETE FROM reminder_sends")
    refused = send(db, smtp_login_server, password="wrong")
    assert len(refused.failed) == DEMO_DIGESTS and refused.failed[0][1].startswith("535")


# -- secrets -----------------------------------------------------------------------------------------
def test_smtp_settings_from_the_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    assert load_config(path) is None  # no file
    path.write_text('[auth]\nredirect_uri = "x"\n', encoding="utf-8")
    assert load_config(path) is None  # no [smtp] table
    path.write_text('[smtp]\nhost = "smtp.example.jp"\nfrom = "office@example.jp"\n', encoding="utf-8")
    config = load_config(path)
    assert config is not None
    assert (config.host, config.port, config.starttls, config.user, config.timeout) == (
        "smtp.example.jp", 587, True, None, 30.0,
    )  # fmt: skip
    path.write_text('[smtp]\nhost = "smtp.example.jp"\nport = 25\n', encoding="utf-8")
    with pytest.raises(MailConfigError) as refused:
        load_config(path)
    assert refused.value.key == "from"


# -- who may do what ---------------------------------------------------------------------------------
def test_only_administrators_send_or_read_the_log(db: Database) -> None:
    for role, org in ((Role.EXECUTIVE, None), (Role.LEAD, "CO-SAKURAGI"), (Role.PARTNER, "UNI-SETOUCHI")):
        someone = Actor("someone", role, org)
        with pytest.raises(Forbidden):
            run_reminders(db, DEMO_TODAY, actor=someone, send=False)
        with pytest.raises(Forbidden):
            sent_log(db, actor=someone)
        with pytest.raises(Forbidden):
            build_digests(db, DEMO_TODAY, actor=someone)


def test_contact_addresses_are_checked_audited_and_kept_to_their_organization(db: Database) -> None:
    partner = Actor("p", Role.PARTNER, "UNI-SETOUCHI")
    lead = Actor("l", Role.LEAD, "CO-SAKURAGI")
    assert save_organization_contact(db, "UNI-SETOUCHI", " kenkyu@setouchi.example.jp ", "en", actor=partner,
                                     lang="en") == ("kenkyu@setouchi.example.jp", "en")  # fmt: skip
    with pytest.raises(Forbidden):
        save_organization_contact(db, "UNI-SETOUCHI", "x@example.jp", "ja", actor=lead, lang="en")
    with pytest.raises(Forbidden):
        save_organization_contact(db, "UNI-SETOUCHI", "x@example.jp", "ja", actor=Actor("e", Role.EXECUTIVE),
                                  lang="en")  # fmt: skip
    for typed, problem in (
        ("kenkyu @setouchi.example.jp", "address_space"),
        ("kenkyu.setouchi.example.jp", "address_at"),
        ("a@b@example.jp", "address_at"),
        ("kenkyu@localhost", "address_domain"),
        ("@setouchi.example.jp", "address_local"),
    ):
        assert address_problem(typed) == problem
        with pytest.raises(Rejected) as refused:
            save_organization_contact(db, "UNI-SETOUCHI", typed, "ja", actor=partner, lang="ja")
        assert refused.value.errors[0].message == t(f"contacts.{problem}", "ja", address=typed)
    assert save_organization_contact(db, "UNI-SETOUCHI", "", "ja", actor=partner, lang="en") == (None, None)
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT actor, before, after FROM audit_log WHERE entity = 'organizations'"
            " AND entity_key = 'UNI-SETOUCHI' ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == ["p", "p"]
    assert '"contact_email": "kenkyu@setouchi.example.jp"' in rows[0][2]
    assert '"contact_email": null' in rows[1][2]
    assert "okamoto@uni-setouchi.example.jp" not in {
        d.recipient for d in build_digests(db, DEMO_TODAY, actor=ADMIN)
    }


# -- setup keeps or reads the contact columns ---------------------------------------------------------
ORGS_CONTACTS = """organization_code,name,name_en,sector,prefecture,contact_email,contact_language
U1,北浜工業大学,Kitahama Tech,academia,北海道,sangaku@kitahama.example.jp,英語
C1,株式会社そらテック,Sora Tech,industry,北海道,,
G1,浜野市,Hamano City,government,北海道,kikaku@hamano.example.jp,
"""


def contacts_of(db: Database) -> dict[str, tuple[Any, Any]]:
    with db.cursor() as cursor:
        rows = cursor.execute("SELECT organization_code, contact_email, contact_language FROM organizations")
        return {code: (email, lang) for code, email, lang in rows.fetchall()}


def test_setup_reads_contact_columns_and_a_file_without_them_keeps_them(
    fresh_db: Database, tmp_path: Path
) -> None:
    folder = write_registry(tmp_path / "a", organizations=ORGS_CONTACTS)
    loaded = setup_registry(fresh_db, folder, actor=ADMIN, lang="en")
    assert loaded.status == "loaded", loaded.errors
    expected = {"U1": ("sangaku@kitahama.example.jp", "en"), "C1": (None, None),
                "G1": ("kikaku@hamano.example.jp", None)}  # fmt: skip
    assert contacts_of(fresh_db) == expected
    assert setup_registry(fresh_db, write_registry(tmp_path / "b"), actor=ADMIN, lang="en").status == "loaded"
    assert contacts_of(fresh_db) == expected  # reloading organizations.csv without the columns wipes nothing
    bad = ORGS_CONTACTS.replace("sangaku@kitahama.example.jp", "sangaku@kitahama").replace(",英語", ",fr")
    refused = setup_registry(
        fresh_db, write_registry(tmp_path / "c", organizations=bad), actor=ADMIN, lang="en"
    )
    assert refused.status != "loaded"
    messages = [e.message for e in refused.errors]
    assert any("Row 2, contact_email:" in m and "example.jp" in m for m in messages), messages
    assert any("Row 2, contact_language:" in m and "fr" in m for m in messages), messages
    assert contacts_of(fresh_db) == expected


# -- the pages ---------------------------------------------------------------------------------------
def page(monkeypatch: pytest.MonkeyPatch, db: Database, path: str, user: str, lang: str = "en") -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db.path))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.switch_page(path).run()
    assert not app.exception, app.exception
    return app


def test_an_administrator_sends_now_from_the_reminders_page_and_sees_the_log(
    monkeypatch: pytest.MonkeyPatch, db: Database, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    monkeypatch.setenv("KPI_SECRETS", str(smtp_server.secrets(tmp_path / "secrets.toml")))
    db.close()
    app = page(monkeypatch, db, "pages/reminders.py", "demo-admin")
    assert t("reminder_mail.heading", "en") in [s.value for s in app.subheader]
    assert t("reminder_mail.log_empty", "en") in [i.value for i in app.info]
    button = app.button(key="reminder_send_now")
    assert not button.disabled
    button.click().run()
    assert not app.exception, app.exception
    done = t("reminder_mail.sent_result", "en", sent=DEMO_DIGESTS, failed=0, skipped=0)
    assert [s.value for s in app.success] == [plain(done)]
    assert smtp_server.handler.per_recipient()[AKANE] == 1
    [log] = [f for f in app.dataframe if len(f.value) == DEMO_DIGESTS and "recipient" in f.value.columns]
    assert set(log.value["status"]) == {"sent"} and AKANE in set(log.value["recipient"])
    assert f"{URL}/upload" in smtp_server.handler.received[0].message().get_content()  # [app] url
    assert t("reminder_mail.preview_none", "en", days=7) in [i.value for i in app.info]  # all sent now


def test_the_reminders_page_says_when_smtp_is_not_configured(
    monkeypatch: pytest.MonkeyPatch, db: Database, tmp_path: Path
) -> None:
    monkeypatch.setenv("KPI_SECRETS", str(tmp_path / "none.toml"))
    db.close()
    app = page(monkeypatch, db, "pages/reminders.py", "demo-admin", "ja")
    path = str(tmp_path / "none.toml")
    assert [w.value for w in app.warning] == [plain(t("reminder_mail.not_configured", "ja", path=path))]
    assert app.button(key="reminder_send_now").disabled
    assert app.selectbox(key="reminder_mail_preview").options[0] == AKANE


@pytest.mark.parametrize("user", ["demo-lead", "demo-executive"])
def test_others_do_not_see_the_e_mail_part(monkeypatch: pytest.MonkeyPatch, db: Database, user: str) -> None:
    db.close()
    app = page(monkeypatch, db, "pages/reminders.py", user)
    assert t("reminder_mail.heading", "en") not in [s.value for s in app.subheader]
    assert not [b for b in app.button if b.label == t("reminder_mail.send_now", "en")]


def test_an_administrator_edits_a_contact_on_the_registry_page(
    monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    db.close()
    app = page(monkeypatch, db, "pages/registry.py", "demo-admin")
    app.selectbox(key="registry_organization").select("CO-AKANE").run()
    email = app.text_input(key="contact_email::registry::CO-AKANE")
    assert email.value == AKANE
    email.input("not an address")
    next(b for b in app.button if b.label == t("contacts.save", "en")).click().run()
    assert [e.value for e in app.error] == [
        plain(t("contacts.address_space", "en", address="not an address"))
    ]
    app.text_input(key="contact_email::registry::CO-AKANE").input("kenkyu@akane.example.com")
    app.selectbox(key="contact_language::registry::CO-AKANE").select("en")
    next(b for b in app.button if b.label == t("contacts.save", "en")).click().run()
    assert not app.exception and not app.error
    assert plain(t("contacts.saved", "en", code="CO-AKANE")) in [s.value for s in app.success]
    assert contacts_of(Database(db.path))["CO-AKANE"] == ("kenkyu@akane.example.com", "en")


def test_a_partner_sets_its_own_contact_on_the_account_page(
    monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    db.close()
    app = page(monkeypatch, db, "pages/account.py", "demo-partner", "ja")
    email = app.text_input(key="contact_email::account::UNI-SETOUCHI")
    assert email.value == "okamoto@uni-setouchi.example.jp"
    email.input("")
    next(b for b in app.button if b.label == t("contacts.save", "ja")).click().run()
    assert not app.exception and not app.error
    assert plain(t("contacts.cleared", "ja", code="UNI-SETOUCHI")) in [s.value for s in app.success]
    assert contacts_of(Database(db.path))["UNI-SETOUCHI"] == (None, None)
    admin = page(monkeypatch, db, "pages/account.py", "demo-admin")
    assert not [w for w in admin.text_input if w.label == t("contacts.email", "en")]


def test_an_administrator_sets_the_days_before_another_digest(
    monkeypatch: pytest.MonkeyPatch, db: Database, tmp_path: Path
) -> None:
    monkeypatch.setenv("KPI_SECRETS", str(tmp_path / "none.toml"))
    db.close()
    app = page(monkeypatch, db, "pages/reminders.py", "demo-admin")
    field = next(n for n in app.number_input if n.label == t("reminder_mail.repeat_days", "en"))
    assert field.value == 7
    field.set_value(14)
    next(b for b in app.button if b.label == t("admin.save", "en")).click().run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == [plain(t("reminder_mail.repeat_saved", "en", days=14))]
    assert reminder_repeat_days(db) == 14
    with db.cursor() as cursor:
        audited = cursor.execute(
            "SELECT before, after FROM audit_log"
            " WHERE entity = 'settings' AND entity_key = 'reminder_repeat_days'"
        ).fetchall()
    assert audited == [('"7"', '"14"')]
