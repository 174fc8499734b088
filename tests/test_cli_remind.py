"""`python -m kpi remind`: the dry run prints the digests, --send sends through the secrets' [smtp]
server (a real one on 127.0.0.1, tests/mail_support.py) with exit 0, 1 when a send failed, 2 for usage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.i18n import t
from tests.mail_support import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # the fixture
AKANE = "matsumoto@co-akane.example.jp"
TAKUMI = "kato@co-takumi.example.jp"
DEMO_DIGESTS = 33


@pytest.fixture
def db_file(demo_db_path: Path, tmp_path: Path) -> str:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return str(copy)


def test_without_send_it_prints_what_it_would_send(
    db_file: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KPI_SECRETS", str(tmp_path / "none.toml"))
    assert main(["remind", "--db", db_file, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(t("reminder_mail.cli_dry_run", "en", count=DEMO_DIGESTS))
    assert (
        f"To: {AKANE}\nSubject: [産学官連携KPI] ご報告のお願い（4件）\n\n"
        "茜アグリサイエンス株式会社 ご担当者様" in out
    )
    assert "・P22 機能性作物の品種開発：2026年度第2四半期分のご報告（期限 2026年10月30日）" in out
    assert "http://localhost:8501/upload" in out  # no [app] url: the default
    assert out.count("To: ") == DEMO_DIGESTS
    assert main(["remind", "--db", db_file, "--as-of", "2026-11-26", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["send"] is False and record["counts"] == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(record["digests"]) == DEMO_DIGESTS and {d["status"] for d in record["digests"]} == {
        "would_send"
    }
    akane = next(d for d in record["digests"] if d["recipient"] == AKANE)
    assert akane["organization_codes"] == ["CO-AKANE"] and akane["items"] == 4 and akane["language"] == "ja"


def test_send_exit_codes(
    db_file: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    smtp_server: SmtpServer,
) -> None:  # fmt: skip
    monkeypatch.setenv("KPI_SECRETS", str(tmp_path / "none.toml"))
    assert main(["remind", "--db", db_file, "--send", "--lang", "en"]) == 2
    assert "No SMTP server is configured" in capsys.readouterr().err
    assert main(["remind", "--db", db_file, "--as-of", "someday"]) == 2
    capsys.readouterr()
    monkeypatch.setenv("KPI_SECRETS", str(smtp_server.secrets(tmp_path / "secrets.toml")))
    smtp_server.handler.refuse_rcpt, smtp_server.handler.refuse_only = "550 5.1.1 No such mailbox", {TAKUMI}
    assert main(["remind", "--db", db_file, "--send", "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert t("reminder_mail.cli_counts", "en", sent=DEMO_DIGESTS - 1, failed=1, skipped=0) in captured.out
    assert f"Could not send to {TAKUMI}: {TAKUMI}: 550 5.1.1 No such mailbox" in captured.err
    smtp_server.handler.refuse_rcpt = None
    assert main(["remind", "--db", db_file, "--send", "--json"]) == 0  # the failed one is tried again
    record = json.loads(capsys.readouterr().out)
    assert record["counts"] == {"sent": 1, "failed": 0, "skipped": DEMO_DIGESTS - 1}
    assert [d["recipient"] for d in record["digests"]] == [TAKUMI]
    assert smtp_server.handler.per_recipient()[TAKUMI] == 1
    assert main(["remind", "--db", db_file, "--send", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert t("reminder_mail.cli_counts", "en", sent=0, failed=0, skipped=DEMO_DIGESTS) in out
    assert f"Not sent again (sent on 2026-11-26; a digest is repeated after 7 days): {AKANE}" in out
    (tmp_path / "bad.toml").write_text('[smtp]\nhost = "127.0.0.1"\n', encoding="utf-8")
    monkeypatch.setenv("KPI_SECRETS", str(tmp_path / "bad.toml"))
    assert main(["remind", "--db", db_file, "--send", "--lang", "en"]) == 2
    assert "“from” is missing or not valid" in capsys.readouterr().err
