"""Hostile partner files (issue 15, items 3, 4, 6 and 8): each is refused with a specific code,
in bounded memory and with nothing written, or imported exactly. The payloads are generated
(tests/hostile_files.py); the heavy ones also go through `python -m kpi import` in a subprocess
whose peak memory is read with getrusage(RUSAGE_CHILDREN). Speed is measured by
benchmarks/bench.py (hostile files), never asserted here."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import textwrap
import threading
from functools import cache
from pathlib import Path

import pytest

from kpi.intake.limits import MAX_COLUMNS, FileRefused
from kpi.intake.service import ImportResult
from kpi.intake.table import read_csv_text
from kpi.storage import Database
from tests import hostile_files as hostile
from tests.conftest import DEMO_TODAY, table_counts
from tests.test_intake import (
    LONG_HEADER,
    csv_bytes,
    current_notes,
    current_values,
    registry_db,
    rejected,
    run_import,
    set_setting,
)

ROOT = Path(__file__).resolve().parent.parent
PEAK_MB = 500


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


@cache
def payload(name: str) -> bytes:
    return hostile.CASES[name]()


def messages(result: ImportResult) -> list[str]:
    return [e.message for e in result.errors]


# -- item 3: unbounded input ----------------------------------------------------------------------


def test_a_zip_bomb_note_is_refused_before_it_is_unpacked(db: Database) -> None:
    data = payload("note_bomb.xlsx")
    assert len(data) < 300_000  # 206 KB that unpack to a 200 MB note
    result = rejected(db, data, [(None, None, "too_large")], rows=0)
    assert messages(result) == [
        "The workbook unpacks to 200.0 MB; at most 64.0 MB can be read."
        " Split it into smaller files, or save it as CSV."
    ]


def test_a_part_packed_past_any_spreadsheet_is_refused_by_its_ratio(db: Database) -> None:
    data = hostile.note_bomb_xlsx(note_mb=30)  # under the unpacked limit, packed 1,000 to 1
    result = rejected(db, data, [(None, None, "too_large")], rows=0)
    assert "packed 1,0" in messages(result)[0] and "at most 100 to 1" in messages(result)[0]


def test_a_zip_directory_that_understates_a_part_does_not_make_us_unpack_it(db: Database) -> None:
    # The directory says 2 KB: every declared size passes; what is unpacked is counted, and the
    # part fails its checksum after 2 KB instead of inflating to 20 MB.
    result = rejected(db, payload("lying_size.xlsx"), [(None, None, "corrupt_file")], rows=0)
    assert "damaged or incomplete" in messages(result)[0]


def test_thousands_of_parts_and_a_bomb_of_shared_texts_are_refused(db: Database) -> None:
    result = rejected(db, payload("many_members.xlsx"), [(None, None, "too_large")], rows=0)
    assert messages(result)[0].startswith(
        "The workbook holds 20,005 parts; a workbook may hold at most 1,000."
    )
    result = rejected(db, payload("shared_strings_bomb.xlsx"), [(None, None, "too_large")], rows=0)
    assert "unpacks to 300.0 MB" in messages(result)[0]


def _note_xlsx(note: str, kpi: str = "joint_studies") -> bytes:
    rows = [hostile.row_xml(1, hostile.LONG_HEADER), hostile.row_xml(2, ("P1", kpi, "2026-03-31", 2, note))]
    return hostile.workbook(rows)


def test_a_note_of_500_characters_is_imported_exactly_one_more_is_refused(db: Database) -> None:
    result = run_import(db, _note_xlsx("備" * 500), name="notes.xlsx")
    assert (result.status, result.inserted) == ("imported", 1)
    assert current_notes(db) == {("P1", "joint_studies", "2026-03-31", "U1"): "備" * 500}
    long_note = csv_bytes(LONG_HEADER, "P1,joint_studies,2025-12-31,2," + "a" * 501)
    result = rejected(db, long_note, [(2, "note", "cell_too_long")])
    assert messages(result) == [
        "Row 2: the cell in “note” holds 501 characters (“aaaaaaaaaaaaaaaaaaaa…”);"
        " a note may hold at most 500. Shorten it."
    ]


def test_a_cell_over_every_limit_is_refused_while_the_sheet_is_read(db: Database) -> None:
    result = rejected(db, _note_xlsx("a" * 501), [(2, "E", "cell_too_long")], rows=0)
    assert messages(result) == [
        "Row 2: a cell holds 501 characters;"
        " a note may hold at most 500 characters and any other cell 200. Shorten it."
    ]
    # Far longer (a pasted log, packed as text packs): found in the sheet's XML before openpyxl
    # reads it, the cell named.
    log = "".join(random.Random(1).choices(string.ascii_letters + "あいうえお", k=1_000_000))
    result = rejected(db, _note_xlsx(log), [(2, "E", "cell_too_long")], rows=0)
    assert "holds 1,000,000 characters" in messages(result)[0]


def test_a_code_longer_than_any_code_is_refused_before_it_is_read(db: Database) -> None:
    result = rejected(db, _note_xlsx("", kpi="k" * 201), [(2, "kpi_code", "cell_too_long")])
    assert messages(result)[0].endswith("a cell may hold at most 200. Shorten it.")


@pytest.mark.parametrize("column", ["note", "value", "kpi_code", "period_end"])
def test_a_csv_with_one_megabyte_line_is_refused_naming_the_cell(db: Database, column: str) -> None:
    # Before: the note was imported (a 1 MB note on every reader's page), the value raised
    # decimal.Overflow out of import_file.
    data = hostile.long_line_csv(column=column)
    result = rejected(db, data, [(2, column, "cell_too_long")], rows=1)
    assert "holds 1,048,576 characters" in messages(result)[0]


@pytest.fixture
def cells_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many cells openpyxl's sheet parser reads (the work a refused sheet must not cost)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    parsed = [0]
    parse_cell = WorkSheetParser.parse_cell

    def counted(self: WorkSheetParser, element: object) -> object:
        parsed[0] += 1
        return parse_cell(self, element)

    monkeypatch.setattr(WorkSheetParser, "parse_cell", counted)
    return parsed


def test_rows_past_the_limit_are_counted_in_the_xml_not_parsed(db: Database, cells_parsed: list[int]) -> None:
    # No dimension record and a million rows: ran past 240 s, every cell parsed (twice).
    result = rejected(db, payload("many_rows.xlsx"), [(None, None, "too_large")], rows=0)
    assert messages(result) == ["The file is too large: 1,000,000 rows (the limit is 200,000 rows)."]
    assert cells_parsed == [0]
    set_setting(db, "import_max_rows", "1000")
    result = rejected(db, hostile.workbook(hostile.long_rows(5000)), [(None, None, "too_large")], rows=0)
    assert messages(result) == ["The file is too large: 5,000 rows (the limit is 1,000 rows)."]
    assert cells_parsed == [0]
    assert run_import(db, hostile.workbook(hostile.long_rows(1000)), dry_run=True).status == "valid"
    assert cells_parsed == [4 * 1001]  # each cell once, header included


def test_a_row_number_past_excels_last_row_is_a_damaged_sheet(db: Database) -> None:
    # openpyxl would fill a billion empty rows (3 GB and counting).
    result = rejected(db, payload("far_row.xlsx"), [(1_000_000_000, None, "corrupt_file")], rows=0)
    assert "goes past Excel’s last row or column" in messages(result)[0]


def test_too_many_columns_are_refused_before_they_are_split(db: Database) -> None:
    result = rejected(db, payload("many_columns.csv"), [(1, None, "too_large")], rows=0)
    assert messages(result)[0].startswith("Row 1 has 100,000 columns; a file may have at most 1,000.")
    result = rejected(db, payload("wide_row.xlsx"), [(2, None, "too_large")], rows=0)
    assert messages(result)[0].startswith("Row 2 has 16,384 columns")


def test_rows_padded_to_their_widest_are_bounded_in_cells(db: Database) -> None:
    # Each limit alone holds (rows, columns, bytes), but pandas or the sheet's rows would pad
    # every row to 1,000 or 900 cells: 150 M references.
    result = rejected(db, payload("ragged.csv"), [(None, None, "too_large")], rows=0)
    assert messages(result)[0].startswith("The file holds 150,002,000 cells (rows × its widest row)")
    result = rejected(db, payload("sparse_wide.xlsx"), [(11_113, None, "too_large")], rows=0)
    assert messages(result)[0].startswith("Row 11113: the sheet already holds 10,000,804 cells")


def test_an_entity_bomb_in_the_sheet_is_a_damaged_sheet(db: Database) -> None:
    result = rejected(db, payload("entity_bomb.xlsx"), [(None, None, "corrupt_file")], rows=0)
    assert "its first sheet is damaged" in messages(result)[0]


def test_the_column_limit_counts_cells_not_commas() -> None:
    header = ",".join(f"c{n}" for n in range(MAX_COLUMNS))
    assert len(read_csv_text(header + "\n" + "1," * (MAX_COLUMNS - 1) + "1\n").header) == MAX_COLUMNS
    with pytest.raises(FileRefused) as refused:
        read_csv_text(header + ",extra\n")
    error = refused.value
    assert (error.code, error.row, error.context["actual"]) == ("too_large", 1, "1,001")
    quoted = f'{header[:40]}\n"{"," * (2 * MAX_COLUMNS)}"\n'  # commas inside a quoted cell
    assert read_csv_text(quoted).rows[0][1][0] == "," * (2 * MAX_COLUMNS)


# -- item 4: never trust the dimension record -----------------------------------------------------


@pytest.mark.parametrize("name", ["lying_dimension.xlsx", "huge_dimension.xlsx"])
def test_the_declared_size_of_a_sheet_is_ignored(db: Database, name: str) -> None:
    # A1:F2 over five data rows, or a million rows declared over five: all five are imported.
    result = run_import(db, payload(name), name=name)
    assert (result.status, result.rows, result.inserted) == ("imported", 5, 5)
    assert len(current_values(db)) == 5


def _renumbered(numbers: list[int]) -> bytes:
    rows = [hostile.row_xml(1, hostile.LONG_HEADER[:4])]
    for number, quarter in zip(numbers, hostile.QUARTERS, strict=False):
        rows.append(hostile.row_xml(number, ("P1", "joint_studies", quarter, 1)))
    return hostile.workbook(rows, dimension="A1:F2")


@pytest.mark.parametrize(("numbers", "row"), [([2, 2, 2, 2, 2], 2), ([2, 3, 6, 5, 4], 5)])
def test_rows_out_of_order_are_a_damaged_sheet_not_silently_dropped(
    db: Database, numbers: list[int], row: int
) -> None:
    # Before: openpyxl kept the first of each run (1 of 5 rows imported as valid).
    result = rejected(db, _renumbered(numbers), [(row, None, "corrupt_file")], rows=0)
    assert f"row {row} comes after row" in messages(result)[0]


def test_two_cells_at_one_place_are_a_damaged_sheet(db: Database) -> None:
    cells = '<row r="2"><c r="A2"><v>1</v></c><c r="A2"><v>2</v></c></row>'
    data = hostile.workbook([hostile.row_xml(1, ["value"]), cells])
    rejected(db, data, [(2, None, "corrupt_file")], rows=0)


# -- item 6: no traceback for what a file holds ---------------------------------------------------


def test_an_unclosed_quote_names_the_line_it_opens_on(db: Database) -> None:
    # Before: _csv.Error (field larger than field limit) out of import_file, a traceback on the page.
    result = rejected(db, payload("unclosed_quote.csv"), [(3, None, "malformed_csv")], rows=0)
    assert messages(result)[0].startswith(
        'Row 3 (line 3 of the text): a quote (") opens a cell that is never'
    )
    # Short: before, csv.reader read the lines after it into the note, silently.
    lines = [
        LONG_HEADER,
        'P1,joint_studies,2025-12-31,2,"note',
        "P1,local_jobs,2026-03-31,5,",
        "P1,patents,,1,",
    ]
    rejected(db, csv_bytes(*lines), [(2, None, "malformed_csv")], rows=0)
    # After a quoted cell over two lines the row and the line differ.
    lines = [LONG_HEADER, 'P1,joint_studies,2025-12-31,2,"two\nlines"', 'P1,local_jobs,2026-03-31,5,"open']
    result = rejected(db, csv_bytes(*lines), [(3, None, "malformed_csv")], rows=0)
    assert messages(result)[0].startswith("Row 3 (line 4 of the text)")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated.xlsx", "it is damaged or incomplete"),
        ("not_a_workbook.xlsx", "it holds no workbook"),
        ("no_sheet.xlsx", "the workbook has no sheet"),
    ],
)
def test_a_damaged_workbook_is_corrupt_file(db: Database, name: str, reason: str) -> None:
    result = rejected(db, payload(name), [(None, None, "corrupt_file")], rows=0)
    assert messages(result)[0].startswith(f"The file cannot be read as an Excel workbook: {reason}")


def test_a_broken_sheet_is_corrupt_file(db: Database) -> None:
    data = hostile.workbook(["<row r='1'><c r='A1'><v>1</v></c>"])  # the row is never closed
    result = rejected(db, data, [(None, None, "corrupt_file")], rows=0)
    assert "its first sheet is damaged" in messages(result)[0]


# -- item 8: mixed encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(("utf8_first", "row", "utf8_line"), [(True, 3, 2), (False, 2, 3)])
def test_a_file_mixing_utf8_and_cp932_lines_names_both(
    db: Database, utf8_first: bool, row: int, utf8_line: int
) -> None:
    # Before: decoded as CP932 in both orders, storing 採用 as 謗｡逕ｨ.
    data = hostile.mixed_encoding_csv(utf8_first)
    result = rejected(db, data, [(row, None, "encoding")], rows=0)
    assert messages(result)[0].startswith(f"Line {row} is not UTF-8 while line {utf8_line} is")
    ja = rejected(db, data, [(row, None, "encoding")], rows=0, lang="ja")
    assert messages(ja)[0].startswith(f"{utf8_line} 行目は UTF-8 ですが、{row} 行目は UTF-8 ではありません")


# -- item 8: the duplicate check inside the write, imports at once ----------------------------------


def _at_once(db: Database, files: list[bytes]) -> list[ImportResult | BaseException]:
    """Each file imported by its own thread, all released together."""
    barrier = threading.Barrier(len(files))
    results: list[ImportResult | BaseException] = [RuntimeError("not run")] * len(files)

    def one(index: int) -> None:
        barrier.wait()
        try:
            results[index] = run_import(db, files[index])
        except BaseException as error:  # reported by the test
            results[index] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _current_rows_per_key(db: Database) -> set[int]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT count(*) FROM actual_current"
            " GROUP BY project_code, kpi_code, period_end, organization_code"
        ).fetchall()
    return {n for (n,) in rows}


FILE_A = csv_bytes(LONG_HEADER, "P1,joint_studies,2026-03-31,2,", "P1,local_jobs,2026-03-31,5,")
FILE_B = csv_bytes(LONG_HEADER, "P1,joint_studies,2026-03-31,3,", "P1,local_jobs,2026-03-31,6,")


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_file_sent_twice_at_once_is_one_batch_and_one_duplicate(db: Database, attempt: int) -> None:
    results = _at_once(db, [FILE_A, FILE_A])
    assert all(isinstance(r, ImportResult) for r in results), results
    assert sorted(r.status for r in results if isinstance(r, ImportResult)) == ["duplicate", "imported"]
    assert len({r.batch_id for r in results if isinstance(r, ImportResult)}) == 1
    assert table_counts(db)["import_batches"] == 1
    assert _current_rows_per_key(db) == {1}


@pytest.mark.parametrize("earlier", [False, True], ids=["new-keys", "existing-keys"])
def test_two_files_on_the_same_keys_at_once_both_land(db: Database, earlier: bool) -> None:
    if earlier:  # values to replace: the deletes of actual_current conflicted ("Conflict on tuple deletion!")
        base = csv_bytes(LONG_HEADER, "P1,joint_studies,2026-03-31,1,", "P1,local_jobs,2026-03-31,1,")
        assert run_import(db, base).status == "imported"
    results = _at_once(db, [FILE_A, FILE_B])
    assert [r.status if isinstance(r, ImportResult) else r for r in results] == ["imported", "imported"]
    assert table_counts(db)["import_batches"] == 2 + earlier
    assert _current_rows_per_key(db) == {1}  # one current value per key, from the later import
    assert set(current_values(db).values()) in ({2.0, 5.0}, {3.0, 6.0})


# -- memory: the command line in a process of its own -----------------------------------------------

# A parent of its own, so RUSAGE_CHILDREN is the import's peak alone (not pytest's other children).
MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    done = subprocess.run([sys.executable, "-m", "kpi", *sys.argv[1:]], capture_output=True, text=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "peak_kb": peak_kb}))
""")

HEAVY: dict[str, tuple[str, int | None]] = {  # file → code, row
    "note_bomb.xlsx": ("too_large", None),
    "shared_strings_bomb.xlsx": ("too_large", None),
    "lying_size.xlsx": ("corrupt_file", None),
    "many_rows.xlsx": ("too_large", None),
    "far_row.xlsx": ("corrupt_file", 1_000_000_000),
    "wide_row.xlsx": ("too_large", 2),
    "long_line_note.csv": ("cell_too_long", 2),
    "many_columns.csv": ("too_large", 1),
    "ragged.csv": ("too_large", None),
    "sparse_wide.xlsx": ("too_large", 11_113),
    "entity_bomb.xlsx": ("corrupt_file", None),
    "unclosed_quote.csv": ("malformed_csv", 3),
}


@pytest.mark.parametrize("name", list(HEAVY))
def test_the_command_line_refuses_each_hostile_file_in_bounded_memory(
    db: Database, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(payload(name))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_LANG": "en", "KPI_TODAY": DEMO_TODAY.isoformat()}
    before = table_counts(db)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, "import", str(path), "--org", "U1", "--json", "--db", db.path],
        env=env, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    measured = json.loads(done.stdout)
    assert (measured["code"], "Traceback" in measured["err"]) == (1, False), measured["err"]
    result = json.loads(measured["out"])
    errors = [(e["code"], e["row"]) for e in result["errors"]]
    assert (result["status"], errors) == ("rejected", [HEAVY[name]])
    assert measured["peak_kb"] / 1024 < PEAK_MB
    assert table_counts(db) == before


def test_every_generated_case_is_covered() -> None:
    covered = set(HEAVY) | {
        "lying_dimension.xlsx", "huge_dimension.xlsx", "long_line_value.csv", "long_line_kpi.csv",
        "long_line_period.csv", "truncated.xlsx", "not_a_workbook.xlsx", "no_sheet.xlsx",
        "mixed_utf8_first.csv", "mixed_cp932_first.csv", "many_members.xlsx",
    }  # fmt: skip
    assert covered == set(hostile.CASES)
