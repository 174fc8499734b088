"""Turn uploaded bytes into text in a fixed, predictable order (SPEC section 4).

BOM → strict UTF-8 → CP932, and nothing else: a statistical guess can silently turn a partner's
numbers into mojibake, while a fixed order either decodes exactly or says where it stopped.
CP932 rather than Shift_JIS because Japanese Excel writes CP932, which has ①, ㈱, 髙 and the
other NEC/IBM extensions that strict Shift_JIS cannot decode.

A file that is not UTF-8 as a whole may still have UTF-8 lines (two files pasted together); many
UTF-8 texts are also valid CP932 (採用 reads 謗｡逕ｨ), so CP932 would store them as mojibake. Such a
file is mixed: refused, naming the first UTF-8 line and the first line that is not UTF-8.
"""

from __future__ import annotations

import re

UTF8_BOM = b"\xef\xbb\xbf"
# UTF-16 is what Excel calls "Unicode text". It is not an accepted format, but without this
# check CP932 would "decode" it (Python's cp932 maps 0xFF/0xFE to private-use characters).
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
XLSX_MAGIC = b"PK\x03\x04"

# Single bytes that Python's cp932 codec maps to U+0080 and U+F8F0..U+F8F3 (Windows
# compatibility), yet that Japanese text never contains: treat them as decoding failures.
_CP932_STRAY = re.compile("[\u0080\uf8f0-\uf8f3]")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


class DecodeError(ValueError):
    """The bytes are neither UTF-8 nor CP932. `line` is the 1-based line of the first bad byte
    (best effort), or None when the problem is the whole file; `utf8_line` is set when the file
    mixes encodings: the first line that is UTF-8 (with non-ASCII text) while `line` is not."""

    def __init__(self, message: str, line: int | None = None, utf8_line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.utf8_line = utf8_line


_SURROGATE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, under surrogateescape
_TEXT_BREAK = re.compile("\r\n|\r|\n")  # the line breaks _line_of counts


def _mixed(data: bytes) -> tuple[int, int] | None:
    """(first UTF-8 line with non-ASCII text, first line that is not UTF-8) when the file has both."""
    text = data.decode("utf-8", "surrogateescape")  # one pass: each bad byte becomes a surrogate
    utf8_line = other_line = None
    for number, line in enumerate(_TEXT_BREAK.split(text), 1):
        if line.isascii():
            continue
        if _SURROGATE.search(line):
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            return utf8_line, other_line
    return None


def _line_of(data: bytes, offset: int) -> int:
    # Safe on raw bytes: CR and LF never occur inside a UTF-8 or CP932 multi-byte character.
    return len(_LINE_BREAK.findall(data, 0, offset)) + 1


def _utf8_failure(data: bytes) -> int | None:
    """Offset of the first invalid UTF-8 byte, or None if `data` is valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _cp932_failure(data: bytes) -> tuple[str | None, int]:
    """The CP932 text, or None and the offset of the first byte it could not decode."""
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError as exc:
        return None, exc.start
    stray = _CP932_STRAY.search(text)
    if stray is None:
        return text, 0
    # Every character before the stray one decoded from a whole number of bytes, so
    # re-encoding that prefix gives the stray byte's offset.
    return None, len(text[: stray.start()].encode("cp932"))


def decode_text(data: bytes) -> str:
    """Decode an uploaded CSV: UTF-8 with BOM (BOM removed), else strict UTF-8, else CP932.

    Raises DecodeError when none applies. Line endings are left as they are.
    """
    if data.startswith(UTF8_BOM):
        body = data[len(UTF8_BOM) :]
        # The BOM declares UTF-8, so a bad byte after it is an error, not a cue to try CP932.
        bad = _utf8_failure(body)
        if bad is not None:
            raise DecodeError(
                f"file starts with a UTF-8 BOM but byte 0x{body[bad]:02X} is not UTF-8",
                line=_line_of(body, bad),
            )
        return body.decode("utf-8")
    if data.startswith(_UTF16_BOMS):
        raise DecodeError("file is UTF-16 (Excel 'Unicode text'); save it as CSV UTF-8 or CSV (Shift_JIS)")

    utf8_bad = _utf8_failure(data)
    if utf8_bad is None:
        return data.decode("utf-8")
    mixed = _mixed(data)
    if mixed is not None:
        raise DecodeError("file mixes UTF-8 lines with lines in another encoding", mixed[1], mixed[0])
    text, cp932_bad = _cp932_failure(data)
    if text is not None:
        return text
    # Best effort for the line: the encoding that got further is most likely the one the file
    # was meant to be in (a CP932 file fails UTF-8 at its first kana, and vice versa).
    bad = max(utf8_bad, cp932_bad)
    raise DecodeError(
        f"file is neither UTF-8 nor CP932 (Shift_JIS): byte 0x{data[bad]:02X} cannot be decoded",
        line=_line_of(data, bad),
    )


Source = str | list[list[object]]  # a CSV's text, or a workbook's rows (record i = row i + 1)


def decode_upload(data: bytes, max_rows: int | None = None, max_chars: int | None = None) -> Source:
    """The decode stage: an uploaded file's text (decode_text), or for an .xlsx file the rows of
    its first sheet as Excel shows them (kpi/intake/xlsx.py, within the limits: TooManyRows past
    max_rows data rows, FileRefused past the others or for a damaged workbook)."""
    if is_xlsx(data):
        from kpi.intake.xlsx import read_xlsx_records  # imported late: only .xlsx uploads pay for openpyxl

        return read_xlsx_records(data, max_rows, max_chars)
    return decode_text(data)


def is_xlsx(data: bytes) -> bool:
    """True when the bytes look like an .xlsx file (a ZIP archive); decides CSV vs Excel."""
    return data.startswith(XLSX_MAGIC)
