"""The 47 prefectures and their English names: a fixed list (as the Ministry of Internal Affairs and
Communications numbers them), so the registry keeps the Japanese name and every page can name it.

A prefecture written without its suffix (東京, 大阪) is found too; anything else is not a prefecture
and is shown as registered, marked as having no English name (kpi.formatting.names.english_or_marked).
"""

from __future__ import annotations

PREFECTURES: tuple[tuple[str, str], ...] = (
    ("北海道", "Hokkaido"),
    ("青森県", "Aomori"),
    ("岩手県", "Iwate"),
    ("宮城県", "Miyagi"),
    ("秋田県", "Akita"),
    ("山形県", "Yamagata"),
    ("福島県", "Fukushima"),
    ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"),
    ("群馬県", "Gunma"),
    ("埼玉県", "Saitama"),
    ("千葉県", "Chiba"),
    ("東京都", "Tokyo"),
    ("神奈川県", "Kanagawa"),
    ("新潟県", "Niigata"),
    ("富山県", "Toyama"),
    ("石川県", "Ishikawa"),
    ("福井県", "Fukui"),
    ("山梨県", "Yamanashi"),
    ("長野県", "Nagano"),
    ("岐阜県", "Gifu"),
    ("静岡県", "Shizuoka"),
    ("愛知県", "Aichi"),
    ("三重県", "Mie"),
    ("滋賀県", "Shiga"),
    ("京都府", "Kyoto"),
    ("大阪府", "Osaka"),
    ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"),
    ("和歌山県", "Wakayama"),
    ("鳥取県", "Tottori"),
    ("島根県", "Shimane"),
    ("岡山県", "Okayama"),
    ("広島県", "Hiroshima"),
    ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"),
    ("香川県", "Kagawa"),
    ("愛媛県", "Ehime"),
    ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"),
    ("長崎県", "Nagasaki"),
    ("熊本県", "Kumamoto"),
    ("大分県", "Oita"),
    ("宮崎県", "Miyazaki"),
    ("鹿児島県", "Kagoshima"),
    ("沖縄県", "Okinawa"),
)
_ENGLISH = dict(PREFECTURES)
# 東京 for 東京都, 大阪 for 大阪府 …; 北海道 has no suffix to drop.
_ENGLISH |= {ja[:-1]: en for ja, en in PREFECTURES if ja[-1] in "都府県"}


def prefecture_en(name: str | None) -> str | None:
    """The English name of a prefecture written in Japanese; None when it is not one of the 47."""
    return _ENGLISH.get(str(name).strip()) if name else None


_NUMBER = {ja: i for i, (ja, _) in enumerate(PREFECTURES)} | {
    ja[:-1]: i for i, (ja, _) in enumerate(PREFECTURES) if ja[-1] in "都府県"
}


def prefecture_order(name: object) -> int:
    """Where a prefecture comes in the national numbering (北海道 first, 沖縄県 last); others after."""
    return _NUMBER.get(str(name).strip(), len(PREFECTURES)) if name else len(PREFECTURES)
