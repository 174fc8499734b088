"""The product's errors shared across features: one problem as SPEC section 4 reports it
(ValidationError, a record), an input refused for breaking rules (Rejected) and a save made on a
form someone else changed meanwhile (StaleWrite). Pages, commands, imports, the registry, accounts
and the update page all raise or report these; feature-local errors stay with their feature."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ValidationError:
    """One problem in an input file, in SPEC section 4's shape.

    `row` is the line number as a spreadsheet shows it (header = 1); `column` is the canonical
    English column name. Both are None for problems with the whole file. `header` is the column's
    header as the file wrote it (`出願件数（件）` for `patents`) when that differs from `column`.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None
    header: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.file is None:
            del data["file"]
        return {k: data[k] for k in ("file", "row", "column", "code", "message") if k in data}


class Rejected(ValueError):
    """The input breaks a rule; nothing was written."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class StaleWrite(RuntimeError):
    """Someone saved the same thing after this form was loaded; nothing was written."""

    def __init__(self, current: Any) -> None:
        super().__init__("stale")
        self.current = current  # what is stored now, to show the user
