"""Decoding uploaded bytes in the fixed order BOM → strict UTF-8 → CP932 (SPEC section 4)."""

from __future__ import annotations

import pytest

from kpi.intake.decode import DecodeError, decode_text, is_xlsx

CSV_JA = "プロジェクトコード,指標コード,期末日,実績値,備考\nP001,joint_studies,2026/3/31,3,①㈱髙橋\n"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "project_code,kpi_code,period_end,value\nP001,joint_studies,2026-03-31,3\n",
        CSV_JA,
        "ﾊﾝｶｸ,カナ,ｶﾅ\r\n",  # half-width katakana is single-byte in CP932
        "～－①②③㈱㈲髙﨑\n",  # NEC/IBM extensions: cp932 only, not shift_jis
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_round_trip(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == text


def test_cp932_keeps_characters_shift_jis_lacks() -> None:
    data = "①,㈱,髙\n".encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")  # why the codec must be cp932
    assert decode_text(data) == "①,㈱,髙\n"


def test_bom_is_stripped() -> None:
    data = b"\xef\xbb\xbfproject_code,value\n"
    assert decode_text(data) == "project_code,value\n"
    assert not decode_text(data).startswith("\ufeff")


def test_only_one_bom_is_stripped() -> None:
    # A second BOM is content, not a marker: keep it visible to later stages.
    assert decode_text(b"\xef\xbb\xbf\xef\xbb\xbfa") == "\ufeffa"


def test_utf8_wins_over_cp932_when_both_would_decode() -> None:
    # "実績値" in UTF-8 is also a valid CP932 byte sequence (mojibake "螳溽ｸｾ蛟､"); the fixed
    # order picks UTF-8 rather than guessing.
    data = "実績値".encode()
    assert data.decode("cp932") == "螳溽ｸｾ蛟､"
    assert decode_text(data) == "実績値"


def test_line_endings_are_left_alone() -> None:
    assert decode_text(b"a\r\nb\rc\n") == "a\r\nb\rc\n"
    assert decode_text("あ\r\nい\r\n".encode("cp932")) == "あ\r\nい\r\n"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\x81\x20", 1),  # CP932 lead byte without a valid trail byte; invalid UTF-8 too
        (b"a,b\nc,d\n\x81\x20\n", 3),
        (b"a,b\r\nc,d\r\ne,f\r\n\x81\x20", 4),
        (b"a\rb\r\x81\x20", 3),
        # Valid CP932 on lines 1-2, then a byte neither encoding knows.
        ("期末日\n実績値\n".encode("cp932") + b"\x81\x7f\n", 3),
        # Bytes Python's cp932 maps to private-use/control characters count as failures.
        ("実績\n".encode("cp932") + b"\xa0\n", 2),
        ("実績\n値\n".encode("cp932") + b"\x80", 3),
        ("実績\n".encode("cp932") + b"\xfd", 2),
        # A UTF-8 file with one corrupt byte: UTF-8 got further, so its line is reported.
        ("実績値\n備考\n".encode() + b"\xff\n", 3),
        # Truncated at the end in the middle of a character.
        ("あ\n".encode("cp932") + b"\x82", 2),
    ],
)
def test_invalid_in_both_raises_with_line(data: bytes, line: int) -> None:
    with pytest.raises(DecodeError) as info:
        decode_text(data)
    assert info.value.line == line
    assert isinstance(info.value, ValueError)
    assert "UTF-8" in str(info.value)


def test_bom_declares_utf8_so_no_cp932_fallback() -> None:
    data = b"\xef\xbb\xbf" + "実績\n".encode("cp932")
    with pytest.raises(DecodeError) as info:
        decode_text(data)
    assert info.value.line == 1
    assert "BOM" in str(info.value)


def test_bom_error_line_counts_from_the_text() -> None:
    data = b"\xef\xbb\xbfa\nb\n\xff"
    with pytest.raises(DecodeError) as info:
        decode_text(data)
    assert info.value.line == 3


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_rejected(encoding: str) -> None:
    data = "\ufeffproject_code,value\n".encode(encoding)
    if encoding == "utf-16":
        data = "project_code,value\n".encode(encoding)  # the codec adds its own BOM
    with pytest.raises(DecodeError) as info:
        decode_text(data)
    assert info.value.line is None
    assert "UTF-16" in str(info.value)


def test_decode_error_defaults() -> None:
    err = DecodeError("whole file")
    assert err.line is None
    assert str(err) == "whole file"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", True),
        (b"PK\x03\x04", True),
        (b"PK\x05\x06", False),  # empty ZIP: no sheet to read
        (b"project_code,value\n", False),
        (b"\xef\xbb\xbfPK\x03\x04", False),
        (b"", False),
        (b"PK", False),
    ],
)
def test_is_xlsx(data: bytes, expected: bool) -> None:
    assert is_xlsx(data) is expected


def test_is_xlsx_on_a_real_workbook() -> None:
    import io

    import openpyxl

    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["project_code", "value"])
    workbook.save(buffer)
    assert is_xlsx(buffer.getvalue())
