"""The demo's partnerships (SPEC section 8): agreements of every kind, a year of meetings with their
action items (kpi/demo/meetings.py), one project's own review cadence and one lead's reason for a
phase without a research agreement, built from the demo portfolio and anchored on `today`.

What each alert and flag has to show, once:
- JR-P03-01 (桜木エナジー's 茶畑ソーラーシェアリング, 第1期) ends within 90 days and does not renew;
- MOU-P20-01 renews every year, and its notice date (90 days before the term ends) is near;
- JR-P02-01 has a second version, the 変更契約 after two hospitals joined;
- P12 is in 実証 with only an NDA and an unsigned draft (flagged), P22 with a 覚書 and a lead's reason;
- P07 (last review its 中間評価) and P18 are past their quarterly review;
- P15 closed two years ago: 成果報告会, a 新テーマ検討会 that led nowhere, and きらめき電池, a partner of
  no other project, has been quiet since.
Deterministic: fixed choices, and a fixed seed for signing dates and the meetings' details.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kpi.demo.meetings import Project, demo_meetings, demo_projects
from kpi.demo.portfolio import Portfolio
from kpi.fiscal import month_end
from kpi.partnerships.terms import add_months

PARTNERSHIPS_SEED = 20250801
Record = dict[str, Any]

# Who owns IP and how it is shared, in the words agreements use (shown as typed, so * and < stay).
JOINT_TERMS = (
    "本研究により生じた知的財産権は、発明に寄与した当事者の共有とし、持分は別表のとおりとする。\n"
    "出願・維持に要する費用は持分に応じて負担する。\n"
    "* 第三者への実施許諾には全当事者の書面による同意 <事前承認> を要する。"
)
BAYH_DOLE_TERMS = (
    "産業技術力強化法第17条（日本版バイ・ドール）を適用し、委託研究の成果に係る知的財産権は受託者に帰属する。\n"
    "受託者は、国の要請に応じて無償で実施権を許諾し、出願・移転の際は委託者を通じて報告する。"
)
COMMISSIONED_TERMS = (
    "委託研究の成果に係る知的財産権は委託者に帰属する。\n"
    "受託者は学術目的の範囲で成果を公表できる（事前協議を要する）。"
)
LICENSE_TERMS = (
    "許諾者は対象特許の通常実施権を許諾する。実施料は正味販売額の3%とし、半期ごとに報告・支払う。\n"
    "改良発明は双方協議の上、取扱いを定める。"
)
NDA_TERMS = "秘密情報の目的外使用を禁止する。本契約は知的財産権の帰属を定めない。"


@dataclass
class PartnershipsDemo:
    agreements: list[Record] = field(default_factory=list)  # every agreement's first version
    amendments: list[Record] = field(default_factory=list)  # second versions (変更契約)
    meetings: list[Record] = field(default_factory=list)
    phase_reasons: list[tuple[str, str, str]] = field(default_factory=list)  # project, phase, reason
    cadences: list[tuple[str, int, str]] = field(default_factory=list)  # project, months, reason


def _shares(owners: tuple[str, ...]) -> list[Record]:
    """Whole percents, equal, the remainder to the first (the lead): 34/33/33."""
    each, rest = divmod(100, len(owners))
    return [
        {"organization_code": o, "percent": float(each + (rest if i == 0 else 0))}
        for i, o in enumerate(owners)
    ]


class _Builder:
    def __init__(self, today: date, projects: dict[str, Project]) -> None:
        self.today, self.projects = today, projects
        self.rng = random.Random(PARTNERSHIPS_SEED)
        self.rows: list[Record] = []

    def add(
        self,
        code: str,
        project: str | None,
        kind: str,
        title: str,
        parties: tuple[str, ...],
        starts_on: date,
        ends_on: date | None,
        *,
        signed: bool = True,
        owners: tuple[str, ...] = (),
        ip_terms: str = "",
        **extra: Any,
    ) -> Record:
        signed_on = starts_on - timedelta(days=self.rng.randint(7, 30)) if signed else None
        ownership = "none" if not owners else "sole" if len(owners) == 1 else "joint"
        row: Record = {
            "agreement_code": code,
            "project_code": project,
            "kind": kind,
            "title": title,
            "parties": list(parties),
            "signed_on": signed_on if signed_on is None or signed_on <= self.today else self.today,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "renewal": "none",
            "notice_days": None,
            "ip_ownership": ownership,
            "ip_shares": _shares(owners) if owners else [],
            "bayh_dole": False,
            "ethics": "not_needed",
            "ethics_approved_on": None,
            "ip_terms": ip_terms,
            "withdrawn": False,
            "reason": "",
        } | extra
        self.rows.append(row)
        return row

    def research(
        self, code: str, project: str, title: str, ends_on: date | None = None, **extra: Any
    ) -> Record:
        """A joint-research agreement over the project's term (or to `ends_on`), IP shared by its
        researchers (universities, institutes and companies; not the 自治体)."""
        p = self.projects[project]
        return self.add(
            code, project, "joint_research", title, p.partners, p.start, ends_on or p.end,
            owners=p.researchers, ip_terms=JOINT_TERMS, **extra,
        )  # fmt: skip

    def approved(self, starts_on: date) -> Record:
        return {
            "ethics": "approved",
            "ethics_approved_on": starts_on + timedelta(days=self.rng.randint(20, 45)),
        }


def demo_partnerships(today: date, portfolio: Portfolio) -> PartnershipsDemo:
    """The demo's agreements, meetings, cadence and phase reason; pure (nothing is read or written)."""
    projects = demo_projects(portfolio)
    orgs = portfolio.organizations
    names = dict(zip(orgs["organization_code"].astype(str), orgs["name_ja"].astype(str), strict=True))
    b = _Builder(today, projects)
    p = projects
    _research_agreements(b, p, today)
    _other_agreements(b, p, today)
    p02 = next(r for r in b.rows if r["agreement_code"] == "JR-P02-01")
    amendment = p02 | {
        "ends_on": p["P02"].end,
        "ip_terms": p02["ip_terms"]
        + "\n（変更契約）連携病院2施設の参加に伴い、研究対象の診療データの範囲を拡大する。",
        "reason": "連携病院2施設の追加に伴う研究範囲の拡大と契約期間の延長（第1回変更契約）",
    }
    return PartnershipsDemo(
        agreements=b.rows,
        amendments=[amendment],
        meetings=demo_meetings(today, projects, names, random.Random(PARTNERSHIPS_SEED + 1)),
        phase_reasons=[
            (
                "P22",
                "demonstration",
                "JSTの委託研究（来年度開始）の契約締結までの間、基本合意書に基づき圃場試験を先行して実施する。"
                "品種登録に係る権利配分の協議後、共同研究契約を締結予定。",
            )
        ],
        cadences=[("P05", 6, "社会実装段階に入り、自治体の防災計画改定に合わせて半年ごとに振り返る")],
    )


def _research_agreements(b: _Builder, p: dict[str, Project], today: date) -> None:
    """Joint-research and commissioned agreements: all projects in 実証 and 社会実装 but P12 and P22."""
    b.research("JR-P01-01", "P01", "AI画像解析による橋梁点検の自動化に関する共同研究契約")
    b.research(
        "JR-P02-01", "P02", "地域医療データ連携基盤の構築に関する共同研究契約",
        ends_on=add_months(p["P02"].start, 36) - timedelta(days=1), **b.approved(p["P02"].start),
    )  # fmt: skip
    # 第1期 ends at the end of next month, with no renewal: the lead has to sign the 第2期
    b.research(
        "JR-P03-01", "P03", "茶畑ソーラーシェアリング実証に関する共同研究契約（第1期）",
        ends_on=month_end(add_months(today, 1).year, add_months(today, 1).month),
    )  # fmt: skip
    b.add(
        "CR-P05-01", "P05", "commissioned",
        "津波避難シミュレーションの社会実装に関する受託研究契約（JST再委託）",
        ("CO-MINATO", "RI-BOSAI"), p["P05"].start, p["P05"].end,
        owners=("RI-BOSAI",), ip_terms=BAYH_DOLE_TERMS, bayh_dole=True,
    )  # fmt: skip
    b.research("JR-P06-01", "P06", "ドローンとAIによる施設園芸の省力化に関する共同研究契約")
    b.research(
        "JR-P07-01",
        "P07",
        "中山間地域のオンデマンド交通実証に関する共同研究契約",
        **b.approved(p["P07"].start),
    )
    b.add(
        "CR-P08-01", "P08", "commissioned", "観光動態データ分析に関する受託研究契約",
        ("CO-YUIMARU", "UNI-NANTO"), p["P08"].start, p["P08"].end,
        owners=("CO-YUIMARU",), ip_terms=COMMISSIONED_TERMS, ethics="needed",
    )  # fmt: skip
    b.research("JR-P13-01", "P13", "自動操舵トラクターによる大規模畑作に関する共同研究契約")
    b.add(
        "CR-P16-01", "P16", "commissioned",
        "工場間自動搬送ロボットの社会実装に関する受託研究契約（JST再委託）",
        ("CO-TAKUMI", "UNI-CHUBU"), p["P16"].start, p["P16"].end,
        owners=("UNI-CHUBU",), ip_terms=BAYH_DOLE_TERMS, bayh_dole=True,
    )  # fmt: skip
    b.research(
        "JR-P18-01", "P18", "遠隔服薬指導と見守りの実証に関する共同研究契約", **b.approved(p["P18"].start)
    )
    b.research("JR-P19-01", "P19", "製造現場の熟練技能AI継承に関する共同研究契約")
    b.research("JR-P20-01", "P20", "IoTブイによる牡蠣養殖の水温管理に関する共同研究契約")
    b.research("JR-P23-01", "P23", "雪氷熱を活用したデータセンター冷却に関する共同研究契約")
    # closed projects: their agreements ended with them
    b.research("JR-P14-01", "P14", "海藻由来機能性素材の事業化に関する共同研究契約")
    b.research("JR-P15-01", "P15", "次世代蓄電池の量産プロセス開発に関する共同研究契約")
    b.research("JR-P21-01", "P21", "南海トラフ地震に備えた避難所運営支援に関する共同研究契約")
    b.add(
        "CR-P24-01", "P24", "commissioned", "多言語観光案内アプリの開発に関する受託研究契約",
        ("CO-SEIRAN", "UNI-TSUKUSHI"), p["P24"].start, p["P24"].end,
        owners=("CO-SEIRAN",), ip_terms=COMMISSIONED_TERMS,
    )  # fmt: skip


def _other_agreements(b: _Builder, p: dict[str, Project], today: date) -> None:
    """覚書, NDAs, licences and 包括連携協定; P12's draft joint-research agreement is not signed yet."""
    next_month = add_months(today.replace(day=1), 1)
    b.add(
        "NDA-P12-01", "P12", "nda", "災害画像データの相互提供に関する秘密保持契約",
        p["P12"].partners, p["P12"].start - timedelta(days=60), p["P12"].end, ip_terms=NDA_TERMS,
    )  # fmt: skip
    b.add(
        "JR-P12-01", "P12", "joint_research", "ドローン網による豪雨災害の早期把握に関する共同研究契約（案）",
        p["P12"].partners, next_month, p["P12"].end, signed=False,
        owners=p["P12"].researchers, ip_terms="（案）" + JOINT_TERMS,
    )  # fmt: skip
    b.add(
        "MOU-P22-01", "P22", "mou", "機能性作物の品種開発に関する基本合意書",
        p["P22"].partners, p["P22"].start, p["P22"].end,
    )  # fmt: skip
    # renews every year unless a party objects 90 days before; the current term ends 3–5 months out
    term_end = add_months(today.replace(day=1), 4)
    first_end = month_end(term_end.year - 2, term_end.month)
    b.add(
        "MOU-P20-01", "P20", "mou", "IoTブイ観測データの相互利用に関する覚書",
        p["P20"].partners, month_end(first_end.year - 1, first_end.month) + timedelta(days=1), first_end,
        renewal="auto", notice_days=90,
    )  # fmt: skip
    b.add(
        "NDA-P02-01", "P02", "nda", "診療データの取扱いに関する秘密保持契約",
        p["P02"].partners, p["P02"].start - timedelta(days=30), p["P02"].end, ip_terms=NDA_TERMS,
    )  # fmt: skip
    b.add(
        "NDA-P19-01", "P19", "nda", "熟練技能データの取扱いに関する秘密保持契約",
        ("UNI-KANSAI", "CO-TAKUMI"), p["P19"].start - timedelta(days=45), p["P19"].end, ip_terms=NDA_TERMS,
    )  # fmt: skip
    b.add(
        "NDA-P04-01", "P04", "nda", "生分解性素材の候補菌株に関する秘密保持契約",
        p["P04"].partners, p["P04"].start - timedelta(days=40), p["P04"].end, ip_terms=NDA_TERMS,
    )  # fmt: skip
    b.add(
        "NDA-P11-01", "P11", "nda", "在宅リハビリ支援ロボットの設計情報に関する秘密保持契約",
        p["P11"].partners, p["P11"].start - timedelta(days=20), p["P11"].end, ip_terms=NDA_TERMS,
    )  # fmt: skip
    for code, project, title in (
        ("MOU-P09-01", "P09", "生成AIによる窓口業務支援の連携に関する覚書"),
        ("MOU-P10-01", "P10", "洋上風力と地域漁業の共生に関する基本合意書"),
    ):
        start = p[project].start
        b.add(
            code, project, "mou", title, p[project].partners, start, add_months(start, 12) - timedelta(days=1)
        )
    b.add(
        "LIC-P13-01", "P13", "license", "自動操舵制御アルゴリズムに関する特許実施許諾契約",
        ("UNI-HOKUTO", "CO-HOKUSEI"), add_months(p["P13"].start, 36),
        add_months(p["P13"].start, 156) - timedelta(days=1),
        owners=("UNI-HOKUTO",), ip_terms=LICENSE_TERMS,
    )  # fmt: skip
    after = p["P14"].end + timedelta(days=1)
    b.add(
        "LIC-P14-01", "P14", "license", "海藻由来機能性素材の製造方法に関する特許実施許諾契約",
        ("UNI-TOHOKUSEI", "CO-AOBA"), after, add_months(after, 120) - timedelta(days=1),
        owners=("UNI-TOHOKUSEI",), ip_terms=LICENSE_TERMS,
    )  # fmt: skip
    hokkaido = add_months(today.replace(day=1), -62)
    b.add(
        "CP-01", None, "comprehensive", "北斗工科大学と北海道の包括連携協定",
        ("UNI-HOKUTO", "GOV-HOKKAIDO"), hokkaido, None,
    )  # fmt: skip
    hiroshima = add_months(today.replace(day=1), -34)
    b.add(
        "CP-02", None, "comprehensive", "広島県の水産業振興に関する産学官包括連携協定",
        ("GOV-HIROSHIMA", "UNI-SETOUCHI", "CO-NAGISA"), hiroshima,
        add_months(hiroshima, 60) - timedelta(days=1),
    )  # fmt: skip
