"""The demo's meetings (SPEC section 8), for kpi/demo/partnerships.py: a year of quarterly reviews
(定例会・振り返り) for every running project, with minutes, decisions, the KPIs discussed and action
items, and the 成果報告会 and 新テーマ検討会 after a project closes.

Fixed on purpose: P07's last review is its 中間評価, about half a year ago, and P18's last 定例会 was
140 days ago, so both are past their quarterly review; P05 reviews every six months (its own
cadence, kpi/demo/partnerships.py). Overdue action items: P03's 農地一時転用 papers (静岡県) and two
of P07's 中間評価 items; the rest are drawn from a seeded random. Minutes are plain text, shown as
typed (some hold * and <).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from kpi.demo.portfolio import Portfolio
from kpi.partnerships.codes import meeting_code
from kpi.partnerships.terms import add_months

Record = dict[str, Any]
OVERDUE_GAPS = {"P18": 140}  # days since the last 定例会: past the three months
OWN_CADENCE = {"P05": (100, 182)}  # days since the last review, days between reviews

# Per field: what progress is measured by, and the issue that keeps coming back.
TOPICS = {
    "AI": ("推論精度", "学習データの追加取得"),
    "医療DX": ("データ連携の稼働率", "個人情報の取扱い手順の改訂"),
    "エネルギー": ("発電量と設備稼働率", "系統連系の手続き"),
    "バイオ": ("培養条件の最適化", "試作品の品質評価"),
    "防災": ("訓練参加者数", "自治体との情報連携"),
    "スマート農業": ("作業時間の削減効果", "圃場データの収集体制"),
    "モビリティ": ("利用者数と運行実績", "運行ルートの見直し"),
    "観光DX": ("来訪者データの分析", "事業者向け説明会の開催"),
    "スマート水産": ("水温データの取得率", "漁業者への情報配信"),
}
MINUTES = (
    "各機関から前回以降の進捗を報告。{progress}は計画どおり推移している。\n"
    "* {issue}について対応方針を協議した。",
    "KPIの実績を確認。{progress}が計画を下回る項目があり、要因を議論した。\n"
    "* 実績 < 計画 の項目は次回までに要因分析を用意する。",
    "実証現場の状況を共有。{issue}が課題として挙がった。\n* 担当機関が対応案を作成し、メールで共有する。",
    "四半期の振り返り。{progress}は前年同期を上回った。\n<参考> 次年度計画の素案を事務局が配布。",
)
DECISIONS = (
    "{issue}は{owner}が主担当として進める。",
    "次回定例会で四半期の実績を確認する。",
    "実証計画の変更は行わない。予算執行計画は次回見直す。",
    "成果の対外発表は各機関の広報と事前に調整する。",
)
ITEMS = (
    "四半期の実証データを集計して共有",
    "KPI実績値を報告様式でアップロード",
    "{issue}の対応案を作成",
    "次年度の予算見積りを提出",
    "特許出願の要否を知財部門と協議",
    "現地視察の日程を調整",
    "自治体向け説明資料を作成",
    "学会発表の予定を共有",
)


@dataclass(frozen=True)
class Project:
    """What the partnerships demo needs of a demo project."""

    code: str
    name: str
    field: str
    phase: str
    start: date
    end: date
    partners: tuple[str, ...]  # the lead first
    researchers: tuple[str, ...]  # the partners that are not 自治体 (they hold IP)
    kpis: tuple[str, ...]


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def demo_projects(portfolio: Portfolio) -> dict[str, Project]:
    """The demo portfolio's projects with their partners and KPIs."""
    members: dict[str, list[str]] = {}
    for p, o in zip(portfolio.partners["project_code"], portfolio.partners["organization_code"], strict=True):
        members.setdefault(str(p), []).append(str(o))
    kpis: dict[str, list[str]] = {}
    for p, k in zip(portfolio.targets["project_code"], portfolio.targets["kpi_code"], strict=True):
        if str(k) not in kpis.setdefault(str(p), []):
            kpis[str(p)].append(str(k))
    sectors = dict(
        zip(portfolio.organizations["organization_code"], portfolio.organizations["sector"], strict=True)
    )
    out = {}
    for row in portfolio.projects.itertuples(index=False):
        code = str(row.project_code)
        out[code] = Project(
            code=code,
            name=str(row.name_ja),
            field=str(row.field),
            phase=str(row.phase),
            start=_day(row.start_date),
            end=_day(row.end_date),
            partners=tuple(members[code]),
            researchers=tuple(o for o in members[code] if sectors[o] != "government"),
            kpis=tuple(kpis.get(code, ())),
        )
    return out


def _meeting(p: Project, day: date, kind: str, title: str, **fields: Any) -> Record:
    return {
        "meeting_code": meeting_code(p.code, day, kind),
        "project_code": p.code,
        "held_on": day,
        "kind": kind,
        "title": title,
        "organizations": list(p.partners),
        "minutes": "",
        "decisions": "",
        "kpi_codes": [],
        "action_items": [],
        "withdrawn": False,
        "reason": "",
    } | fields


def _item(description: str, owner: str, due_on: date, done_on: date | None = None) -> Record:
    return {"description": description, "owner": owner, "due_on": due_on, "done_on": done_on}


def _review_days(today: date, p: Project, rng: random.Random) -> list[tuple[date, str]]:
    """This year's reviews, newest first: (day, kind); the newest 12–70 days ago unless fixed above."""
    if p.code == "P07":  # its 中間評価, the quarter-6 review its target revision followed
        last, kind, step = add_months(p.start, 18) + timedelta(days=9), "midterm", 91
    else:
        gap, step = OWN_CADENCE.get(p.code, (OVERDUE_GAPS.get(p.code, rng.randint(12, 70)), 91))
        last, kind = today - timedelta(days=gap), "regular"
    if last < p.start:  # started this quarter: its kick-off
        return [(min(p.start + timedelta(days=14), today), "regular")]
    days = [(last, kind)]
    earliest = max(today - timedelta(days=365), p.start)
    while (day := days[-1][0] - timedelta(days=step)) >= earliest:
        days.append((day, "regular"))
    return days


def _reviews(today: date, p: Project, names: dict[str, str], rng: random.Random) -> list[Record]:
    progress, issue = TOPICS.get(p.field, ("進捗", "課題の整理"))
    rows = []
    days = _review_days(today, p, rng)
    earliest = days[-1][0]
    before = (earliest.year * 12 + earliest.month - p.start.year * 12 - p.start.month) // 3  # quarters
    for index, (day, kind) in enumerate(days):
        newest = index == 0
        present = list(p.partners)
        absent = [o for o in present[1:] if o not in p.researchers]
        if not newest and absent and rng.random() < 0.3:
            present.remove(absent[0])  # the 自治体 sent apologies
        owners = rng.sample(list(p.partners), min(len(p.partners), rng.randint(1, 3)))
        items = []
        for owner, text in zip(owners, rng.sample(ITEMS, len(owners)), strict=False):
            due = (
                today + timedelta(days=rng.randint(7, 35))
                if newest and p.code not in OVERDUE_GAPS
                else day + timedelta(days=rng.randint(21, 56))
            )
            done = None
            if due < today and rng.random() < 0.8:
                done = max(day + timedelta(days=1), due - timedelta(days=rng.randint(0, 10)))
            items.append(_item(text.format(issue=issue), owner, due, done))
        if p.code == "P03" and index == 1:  # the 自治体's papers, not in yet
            items.append(
                _item("農地一時転用許可の更新申請書類を提出", "GOV-SHIZUOKA", day + timedelta(days=30))
            )
        number = before + len(days) - index  # held before this year: about one a quarter
        words = {"progress": progress, "issue": issue, "owner": names[owners[0]]}
        fields: Record = {
            "organizations": present,
            "minutes": rng.choice(MINUTES).format(**words),
            "decisions": rng.choice(DECISIONS).format(**words),
            "kpi_codes": rng.sample(list(p.kpis), min(len(p.kpis), rng.randint(1, 2))),
            "action_items": items,
        }
        if kind == "midterm":
            fields |= _midterm(p, day)
            rows.append(_meeting(p, day, kind, "中間評価", **fields))
        else:
            rows.append(
                _meeting(p, day, kind, "キックオフ会議" if number == 1 else f"第{number}回定例会", **fields)
            )
    return rows


def _midterm(p: Project, day: date) -> Record:
    """P07's 中間評価: behind plan, two of its three items still open."""
    return {
        "minutes": "外部評価委員による中間評価。運行実績は計画の5割程度にとどまる。\n"
        "* 指摘: 需要予測の前提 <利用者数・運転手数> を見直すこと。",
        "decisions": "地域雇用の長期目標を再設定し、運転手確保策を強化する。継続可（条件付き）。",
        "kpi_codes": [k for k in p.kpis if k in ("local_jobs", "joint_studies")],
        "action_items": [
            _item("需要予測の見直し案を提出", "CO-TSUBAME", day + timedelta(days=45)),
            _item("利用者アンケートの再設計", "UNI-TOTO", day + timedelta(days=30), day + timedelta(days=26)),
            _item("運転手確保に向けた地域説明会の開催", "GOV-NIIGATA", day + timedelta(days=60)),
        ],
    }


def _after_closing(today: date, projects: dict[str, Project]) -> list[Record]:
    """成果報告会 after each closed project; P15's 新テーマ検討会 led nowhere, P14's is recent."""
    rows = []
    closed = [p for _, p in sorted(projects.items()) if p.phase == "closed"]
    for number, p in enumerate(closed):
        day = p.end + timedelta(days=30 + 9 * number)  # a month or so after the end
        rows.append(
            _meeting(
                p, day, "results", "成果報告会",
                minutes=f"「{p.name}」の最終成果を報告。\n* 成果の活用状況と今後の展開を意見交換した。",
                decisions="最終報告書を確定し、各機関の公開用資料を作成する。",
                kpi_codes=list(p.kpis[:2]),
                action_items=[_item("公開用成果資料の作成", p.partners[0], day + timedelta(days=30),
                                    day + timedelta(days=24))],
            )
        )  # fmt: skip
    p15 = projects["P15"]
    day = p15.end + timedelta(days=120)
    rows.append(
        _meeting(
            p15, day, "new_theme", "新テーマ検討会",
            minutes="全固体電池の評価技術を次テーマ候補として議論した。\n"
            "* 資金計画 < 必要額 のため、公募の採否を見て再検討。",
            decisions="当面は個別に情報交換を行う（次回未定）。",
            action_items=[_item("関連する公募情報の確認", "CO-KIRAMEKI", day + timedelta(days=30),
                                day + timedelta(days=21))],
        )
    )  # fmt: skip
    p14 = projects["P14"]
    day = today - timedelta(days=120)
    rows.append(
        _meeting(
            p14, day, "new_theme", "新テーマ検討会",
            minutes="海藻由来素材の機能性表示食品への展開を次テーマとして議論した。",
            decisions="次年度の県公募へ3機関で共同申請する。",
            action_items=[
                _item("申請書素案の作成", "CO-AOBA", today + timedelta(days=20)),
                _item("先行研究と機能性データの整理", "UNI-TOHOKUSEI", day + timedelta(days=45),
                      day + timedelta(days=40)),
            ],
        )
    )  # fmt: skip
    return rows


def demo_meetings(
    today: date, projects: dict[str, Project], names: dict[str, str], rng: random.Random
) -> list[Record]:
    """Every meeting of the demo; `names`: organization code → Japanese name."""
    rows = []
    for code in sorted(projects):
        p = projects[code]
        if p.phase != "closed" and p.start <= today:
            rows += _reviews(today, p, names, rng)
    return rows + _after_closing(today, projects)
