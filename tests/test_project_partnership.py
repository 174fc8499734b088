"""The project page's partnership part (ui/sections/project_partnership.py) on the demo, 26 November
2026: P12 is in 実証 with only an NDA and an unsigned draft research agreement, so it is flagged;
P07's last review, its 中間評価 of 10 April 2026, made the next one due 10 July 2026."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import DEMO_EXECUTIVE, signed_in

ROOT = Path(__file__).parent.parent


def project_page(monkeypatch: pytest.MonkeyPatch, db: Path, project: str, lang: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_EXECUTIVE)
    app.query_params["lang"] = lang
    app.query_params["project"] = project
    app.switch_page("pages/project.py").run()
    assert not app.exception, app.exception
    return app


def test_a_project_without_a_signed_research_agreement_is_flagged_on_its_page(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    app = project_page(monkeypatch, demo_db_path, "P12", "ja")
    assert [w.value for w in app.warning if "共同研究契約" in w.value] == [
        "実証の段階ですが、締結済みの共同研究契約・受託研究契約がありません。契約・協定のページで契約を記録するか、"
        "先に進める理由を記録してください。"
    ]


def test_an_overdue_review_shows_with_its_days(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path) -> None:
    app = project_page(monkeypatch, demo_db_path, "P07", "en")
    review = next(m for m in app.metric if m.label == "Next review")
    assert (review.value, review.delta) == ("10 Jul 2026", "139 days overdue")  # 10 July → 26 November
    assert not [w for w in app.warning if "research agreement" in w.value]  # P07 has its 共同研究契約
