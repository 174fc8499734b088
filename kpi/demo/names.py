"""The fixed lists behind the demo portfolio (kpi/demo/portfolio.py): all names are fictional.

Government partners carry the names of real prefectures and cities so the prefecture filter has
something to show, but the projects, companies, universities and institutes are invented.
"""

from __future__ import annotations

# KPI order of the per-project profile strings below.
PROFILE_KPIS = (
    "joint_studies", "time_to_implementation", "local_jobs", "patent_applications",
    "external_funding",
)  # fmt: skip

# Profile letters: actual ≈ plan × factor. "-" = not tracked, "N" = target but no report yet,
# "T" = reported without a target (status no_target).
PROFILE_FACTORS = {"A": 1.3, "B": 1.08, "C": 0.8, "D": 0.5, "N": 1.0, "T": 1.0}

# Custom KPIs: code, name_ja, name_en, unit_ja, unit_en (higher is better, sum, sum).
CUSTOM_KPIS = (
    ("patent_applications", "特許出願件数", "Patent applications", "件", "applications"),
    ("external_funding", "外部資金獲得額", "External funding", "百万円", "million JPY"),
)

# Per KPI: planned amount per year at scale 1, baseline at scale 1, reporting resolution.
KPI_PLAN = {
    "joint_studies": (3.0, 2.0, 1.0),
    "local_jobs": (6.0, 0.0, 1.0),
    "patent_applications": (1.5, 0.0, 1.0),
    "external_funding": (40.0, 10.0, 0.1),
}

# code, name_ja, name_en, sector, prefecture, contact (recorded_by prefix)
ORGANIZATIONS = (
    ("CO-HOKUSEI", "株式会社北星システムズ", "Hokusei Systems Co., Ltd.",
     "industry", "北海道", "kudo"),
    ("CO-AOBA", "株式会社あおばバイオテック", "Aoba Biotech Inc.",
     "industry", "宮城県", "sasaki"),
    ("CO-SAKURAGI", "桜木エナジー株式会社", "Sakuragi Energy Co., Ltd.",
     "industry", "静岡県", "mochizuki"),
    ("CO-TSUBAME", "株式会社つばめモビリティ", "Tsubame Mobility Inc.",
     "industry", "新潟県", "kobayashi"),
    ("CO-KOMOREBI", "株式会社こもれびメディカル", "Komorebi Medical Inc.",
     "industry", "東京都", "suzuki"),
    ("CO-KAZANAMI", "株式会社風波テクノロジー", "Kazanami Technology Inc.",
     "industry", "高知県", "yamamoto"),
    ("CO-AKANE", "茜アグリサイエンス株式会社", "Akane Agriscience Co., Ltd.",
     "industry", "熊本県", "matsumoto"),
    ("CO-SEIRAN", "株式会社青嵐データラボ", "Seiran Data Lab Inc.",
     "industry", "福岡県", "koga"),
    ("CO-YUIMARU", "株式会社ゆいまーるツーリズム", "Yuimaru Tourism Inc.",
     "industry", "沖縄県", "higa"),
    ("CO-TAKUMI", "匠精密工業株式会社", "Takumi Precision Industries Co., Ltd.",
     "industry", "愛知県", "kato"),
    ("CO-MINATO", "株式会社みなと防災ソリューションズ", "Minato Disaster Solutions Inc.",
     "industry", "兵庫県", "fujii"),
    ("CO-KIRAMEKI", "株式会社きらめき電池", "Kirameki Battery Inc.",
     "industry", "京都府", "nishimura"),
    ("CO-SORANE", "株式会社そらねドローン", "Sorane Drone Inc.",
     "industry", "長野県", "maruyama"),
    ("CO-NAGISA", "渚フードテック株式会社", "Nagisa Foodtech Co., Ltd.",
     "industry", "広島県", "fujita"),
    ("UNI-HOKUTO", "北斗工科大学", "Hokuto Institute of Technology",
     "academia", "北海道", "sato"),
    ("UNI-TOHOKUSEI", "東北先端科学大学", "Tohoku Advanced Science University",
     "academia", "宮城県", "takahashi"),
    ("UNI-TOTO", "東都理工大学", "Toto University of Science and Engineering",
     "academia", "東京都", "tanaka"),
    ("UNI-CHUBU", "中部総合技術大学", "Chubu University of Integrated Technology",
     "academia", "愛知県", "ito"),
    ("UNI-KANSAI", "関西未来科学大学", "Kansai Future Science University",
     "academia", "大阪府", "nakamura"),
    ("UNI-SETOUCHI", "瀬戸内海洋大学", "Setouchi Marine University",
     "academia", "広島県", "okamoto"),
    ("UNI-TSUKUSHI", "筑紫医療大学", "Tsukushi Medical University",
     "academia", "福岡県", "inoue"),
    ("UNI-HINOKUNI", "火の国農工大学", "Hinokuni University of Agriculture and Technology",
     "academia", "熊本県", "murakami"),
    ("UNI-NANTO", "南島観光大学", "Nanto University of Tourism",
     "academia", "沖縄県", "oshiro"),
    ("RI-SANGI", "地域産業技術総合研究センター", "Regional Industrial Technology Research Center",
     "academia", "静岡県", "suzuki"),
    ("RI-BOSAI", "国立防災先端研究機構", "National Institute for Advanced Disaster Research",
     "academia", "茨城県", "watanabe"),
    ("RI-BIO", "先端バイオ医科学研究所", "Institute for Advanced Biomedical Science",
     "academia", "京都府", "yoshida"),
    ("GOV-HOKKAIDO", "北海道", "Hokkaido Government",
     "government", "北海道", "hokkaido"),
    ("GOV-SENDAI", "仙台市", "Sendai City",
     "government", "宮城県", "sendai"),
    ("GOV-SHIZUOKA", "静岡県", "Shizuoka Prefecture",
     "government", "静岡県", "shizuoka"),
    ("GOV-NAGOYA", "名古屋市", "Nagoya City",
     "government", "愛知県", "nagoya"),
    ("GOV-KOBE", "神戸市", "Kobe City",
     "government", "兵庫県", "kobe"),
    ("GOV-KOCHI", "高知県", "Kochi Prefecture",
     "government", "高知県", "kochi"),
    ("GOV-FUKUOKA", "福岡市", "Fukuoka City",
     "government", "福岡県", "fukuoka"),
    ("GOV-KUMAMOTO", "熊本県", "Kumamoto Prefecture",
     "government", "熊本県", "kumamoto"),
    ("GOV-OKINAWA", "沖縄県", "Okinawa Prefecture",
     "government", "沖縄県", "okinawa"),
    ("GOV-NAGANO", "長野県", "Nagano Prefecture",
     "government", "長野県", "nagano"),
    ("GOV-NIIGATA", "新潟市", "Niigata City",
     "government", "新潟県", "niigata"),
    ("GOV-HIROSHIMA", "広島県", "Hiroshima Prefecture",
     "government", "広島県", "hiroshima"),
)  # fmt: skip

LEAD_ROLE = "代表機関"
SECTOR_ROLES = {"industry": "参画企業", "academia": "共同研究機関", "government": "自治体"}

# code, name_ja, name_en, field, prefecture, phase,
# age (quarters from start to the last quarter end), duration (quarters),
# horizons (quarters after start: short, mid, long; None = no such horizon),
# lead, other partners, profile (PROFILE_KPIS order), late partner ("" = none), scale
PROJECTS = (
    ("P01", "AI画像解析による橋梁点検の自動化", "Automated bridge inspection with AI image analysis",
     "AI", "北海道", "demonstration", 9, 20, (4, 12, 20),
     "CO-HOKUSEI", ("UNI-HOKUTO", "GOV-HOKKAIDO"), "BBCB-", "", 1.0),
    ("P02", "地域医療データ連携基盤の構築", "Regional medical data-sharing platform",
     "医療DX", "福岡県", "implementation", 15, 24, (4, 12, 20),
     "UNI-TSUKUSHI", ("CO-SEIRAN", "CO-KOMOREBI", "GOV-FUKUOKA"), "ABAAB", "", 1.5),
    ("P03", "茶畑ソーラーシェアリング実証", "Solar sharing over tea fields",
     "エネルギー", "静岡県", "demonstration", 7, 20, (4, 12, 20),
     "CO-SAKURAGI", ("RI-SANGI", "GOV-SHIZUOKA"), "CDC-B", "GOV-SHIZUOKA", 1.0),
    ("P04", "微生物由来の生分解性素材の開発", "Biodegradable materials from microorganisms",
     "バイオ", "京都府", "planning", 3, 20, (8, None, 20),
     "RI-BIO", ("CO-AOBA", "UNI-KANSAI"), "BB-B-", "", 0.8),
    ("P05", "津波避難シミュレーションの社会実装", "Putting tsunami evacuation simulation into practice",
     "防災", "兵庫県", "implementation", 18, 24, (4, 12, 20),
     "CO-MINATO", ("RI-BOSAI", "GOV-KOBE", "UNI-KANSAI"), "AAA-A", "", 1.2),
    ("P06", "ドローンとAIによる施設園芸の省力化", "Labour-saving greenhouse horticulture with drones and AI",
     "スマート農業", "熊本県", "demonstration", 10, 20, (4, 12, 20),
     "UNI-HINOKUNI", ("CO-AKANE", "GOV-KUMAMOTO"), "BCB--", "", 1.0),
    ("P07", "中山間地域のオンデマンド交通実証", "On-demand transport in hilly rural areas",
     "モビリティ", "新潟県", "demonstration", 8, 16, (4, 8, 16),
     "CO-TSUBAME", ("UNI-TOTO", "GOV-NIIGATA"), "DDD--", "", 1.0),
    ("P08", "観光動態データによる離島観光の最適化", "Optimising island tourism with visitor-flow data",
     "観光DX", "沖縄県", "implementation", 12, 16, (4, 8, 16),
     "CO-YUIMARU", ("UNI-NANTO", "GOV-OKINAWA"), "ABA-B", "", 1.0),
    ("P09", "生成AIによる自治体窓口業務の支援", "Generative AI for municipal service counters",
     "AI", "宮城県", "agreement", 0, 12, (4, 8, 12),
     "UNI-TOHOKUSEI", ("CO-SEIRAN", "GOV-SENDAI"), "BBB--", "", 1.0),
    ("P10", "洋上風力と地域漁業の共生モデル", "Offshore wind power coexisting with local fisheries",
     "エネルギー", "高知県", "agreement", 0, 20, (4, 12, 20),
     "GOV-KOCHI", ("CO-KAZANAMI", "UNI-SETOUCHI"), "BBBB-", "", 1.2),
    ("P11", "在宅リハビリ支援ロボットの開発", "Home rehabilitation support robot",
     "医療DX", "愛知県", "planning", 2, 16, (4, 8, 16),
     "UNI-CHUBU", ("CO-TAKUMI", "GOV-NAGOYA"), "BBB-N", "", 1.0),
    ("P12", "ドローン網による豪雨災害の早期把握", "Early detection of heavy-rain damage with a drone network",
     "防災", "茨城県", "demonstration", 6, 16, (4, 8, 16),
     "RI-BOSAI", ("CO-SORANE", "UNI-TOTO"), "CCC--", "", 0.9),
    ("P13", "自動操舵トラクターによる大規模畑作", "Large-scale field farming with auto-steer tractors",
     "スマート農業", "北海道", "implementation", 16, 20, (4, None, 20),
     "CO-HOKUSEI", ("UNI-HOKUTO", "CO-AKANE", "GOV-HOKKAIDO"), "BABB-", "", 1.3),
    ("P14", "海藻由来機能性素材の事業化", "Commercialising functional ingredients from seaweed",
     "バイオ", "宮城県", "closed", 24, 16, (4, 8, 16),
     "CO-AOBA", ("UNI-TOHOKUSEI", "GOV-SENDAI"), "AAAA-", "", 1.0),
    ("P15", "次世代蓄電池の量産プロセス開発", "Mass-production process for next-generation batteries",
     "エネルギー", "京都府", "closed", 20, 12, (4, 12, None),
     "CO-KIRAMEKI", ("UNI-KANSAI",), "BCB-C", "", 1.4),
    ("P16", "工場間自動搬送ロボットの社会実装", "Autonomous delivery robots between factories",
     "モビリティ", "愛知県", "implementation", 13, 24, (4, 12, 20),
     "CO-TAKUMI", ("UNI-CHUBU", "GOV-NAGOYA"), "BDB--", "", 1.1),
    ("P17", "山岳観光の混雑予測と分散誘導", "Congestion forecasting for mountain tourism",
     "観光DX", "長野県", "planning", 3, 12, (4, 8, 12),
     "GOV-NAGANO", ("CO-SORANE", "UNI-TOTO"), "CBB--", "", 0.8),
    ("P18", "遠隔服薬指導と見守りの実証", "Remote medication guidance and monitoring",
     "医療DX", "広島県", "demonstration", 7, 20, (4, 12, 20),
     "UNI-SETOUCHI", ("CO-NAGISA", "GOV-HIROSHIMA"), "BCBCC", "", 1.0),
    ("P19", "製造現場の熟練技能AI継承", "Passing on skilled manufacturing know-how with AI",
     "AI", "大阪府", "demonstration", 11, 20, (4, 12, 20),
     "UNI-KANSAI", ("CO-SEIRAN", "CO-TAKUMI"), "CBDAA", "", 1.2),
    ("P20", "IoTブイによる牡蠣養殖の水温管理", "IoT buoys for water-temperature control in oyster farming",
     "スマート水産", "広島県", "implementation", 14, 20, (4, 12, 20),
     "CO-NAGISA", ("UNI-SETOUCHI", "GOV-HIROSHIMA"), "ABC-B", "UNI-SETOUCHI", 1.0),
    ("P21", "南海トラフ地震に備えた避難所運営支援",
     "Shelter management support for a Nankai Trough earthquake",
     "防災", "高知県", "closed", 28, 20, (4, 12, 20),
     "CO-KAZANAMI", ("GOV-KOCHI", "RI-BOSAI"), "CCD--", "", 1.0),
    ("P22", "機能性作物の品種開発", "Breeding functional crops",
     "バイオ", "熊本県", "demonstration", 5, 20, (8, 12, 20),
     "UNI-HINOKUNI", ("CO-AKANE", "RI-BIO", "GOV-KUMAMOTO"), "BBBBB", "CO-AKANE", 1.1),
    ("P23", "雪氷熱を活用したデータセンター冷却", "Cooling data centres with stored snow and ice",
     "エネルギー", "北海道", "implementation", 17, 24, (4, 12, 24),
     "UNI-HOKUTO", ("CO-HOKUSEI", "GOV-HOKKAIDO"), "BAB-B", "", 1.0),
    ("P24", "多言語観光案内アプリの開発", "Multilingual tourist guide app",
     "観光DX", "福岡県", "closed", 22, 12, (4, 8, 12),
     "CO-SEIRAN", ("UNI-TSUKUSHI", "GOV-FUKUOKA"), "ABA-T", "", 1.0),
)  # fmt: skip

# Target revisions: project, KPI, quarters after start, multiplier of future increments,
# quarters the last horizon moves, reason. Listed in version order per project x KPI.
REVISIONS = (
    ("P02", "joint_studies", 6, 1.5, 0,
     "連携病院の追加に伴い共同研究件数の目標を上方修正 / "
     "Joint-study targets raised after two more hospitals joined"),
    ("P07", "local_jobs", 4, 0.6, 0,
     "運転手確保の難航を受け雇用目標を下方修正 / "
     "Job targets lowered after difficulties recruiting drivers"),
    ("P07", "local_jobs", 6, 0.8, 0,
     "中間評価の指摘を受け長期目標を再設定 / "
     "Long-term target reset after the mid-term review"),
    ("P16", "time_to_implementation", 8, 1.0, 4,
     "公道走行の許認可手続きに時間を要するため実装時期を1年延期 / "
     "Implementation postponed one year for public-road permits"),
    ("P19", "external_funding", 8, 1.6, 0,
     "国の大型研究開発プログラムに採択されたため外部資金目標を引き上げ / "
     "Funding target raised after selection for a national R&D programme"),
    ("P19", "external_funding", 10, 1.25, 0,
     "民間企業からの追加出資の合意を反映 / "
     "Reflects an agreed additional private investment"),
    ("P21", "local_jobs", 10, 0.7, 0,
     "資材価格の高騰により採用計画を見直し / "
     "Hiring plan revised because of rising material costs"),
)  # fmt: skip

NOTES = {
    "joint_studies": ("新規共同研究契約を締結", "受託研究1件を含む", "学生インターン受入れによる共同研究"),
    "time_to_implementation": ("規制対応の見通しを反映", "量産試作の遅れを反映", "実証結果を踏まえ見直し"),
    "local_jobs": ("パートタイム雇用を含む", "実証拠点での新規採用", "地元高校からの採用"),
    "patent_applications": ("国際出願(PCT)1件を含む", "共同出願"),
    "external_funding": ("自治体助成金を含む", "国の補助金(速報値)", "民間財団の研究助成"),
}
CORRECTION_NOTE = "集計漏れを訂正 / corrected an omission"

# Synthetic portfolios (benchmarks) cycle through these fields.
FIELDS = ("AI", "バイオ", "エネルギー", "医療DX", "防災", "スマート農業", "モビリティ", "観光DX")


def synthetic_kpi(i: int) -> tuple[str, str, str, str, str, str, str, str, bool, bool]:
    """Generated KPI number i (1-based) as a kpis row: every fourth one lower-is-better (months)."""
    if i % 4 == 0:
        return (f"kpi_{i:03d}", f"合成指標{i:03d}", f"Synthetic KPI {i:03d}", "か月", "months",
                "lower", "last", "latest", False, False)  # fmt: skip
    return (f"kpi_{i:03d}", f"合成指標{i:03d}", f"Synthetic KPI {i:03d}", "件", "items",
            "higher", "sum", "sum", False, False)  # fmt: skip
