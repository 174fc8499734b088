"""An .xlsx file's zip archive, checked before anything in it is unpacked.

The central directory declares each part's packed and unpacked size: the number of parts, the
total unpacked size and each part's packing ratio are checked from it first. Python's zipfile
never returns more than the declared size of a part (a part that inflates past it fails its
CRC check: a damaged file), and read_part() also counts what it actually unpacks, so a lying
directory cannot make us inflate more than the limit either.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from kpi.intake.limits import MAX_PARTS, PACKED_RATIO, RATIO_FROM_BYTES, UNPACKED_BYTES, FileRefused

_CHUNK = 1024 * 1024


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


def corrupt(reason: str, row: int | None = None, **context: object) -> FileRefused:
    """A damaged workbook; `reason` names an intake.corrupt.* message."""
    return FileRefused("corrupt_file", row, None, reason=reason, **context)


def open_archive(data: bytes) -> zipfile.ZipFile:
    """The archive, once its directory says it is within the limits; FileRefused otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except Exception as error:  # BadZipFile, NotImplementedError (zip version 12.0), OSError...: damaged
        raise corrupt("not_zip") from error
    if len(parts) > MAX_PARTS:
        raise FileRefused("too_large", variant="parts", actual=f"{len(parts):,}", limit=f"{MAX_PARTS:,}")
    total = sum(part.file_size for part in parts)
    if total > UNPACKED_BYTES:
        raise FileRefused("too_large", variant="unpacked", actual=_size(total), limit=_size(UNPACKED_BYTES))
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size >= RATIO_FROM_BYTES and part.file_size > PACKED_RATIO * packed:
            ratio, limit = f"{part.file_size // packed:,}", f"{PACKED_RATIO:,}"
            raise FileRefused("too_large", None, None, variant="packed", ratio=ratio, limit=limit,
                              packed=_size(packed), unpacked=_size(part.file_size))  # fmt: skip
    return archive


def read_part(archive: zipfile.ZipFile, name: str) -> bytearray:
    """One part, unpacked in chunks and never past the limit, whatever its header says."""
    content = bytearray()
    try:
        with archive.open(name) as part:
            while chunk := part.read(_CHUNK):
                if len(content) + len(chunk) > UNPACKED_BYTES:
                    raise FileRefused("too_large", variant="unpacked", actual=f"> {_size(UNPACKED_BYTES)}",
                                      limit=_size(UNPACKED_BYTES))  # fmt: skip
                content += chunk
    except FileRefused:
        raise
    except KeyError as error:
        raise corrupt("no_workbook") from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise corrupt("not_zip") from error
    return content
