"""Partner file intake (SPEC section 4): decoding, parsing and validating uploaded files.

An upload goes through PIPELINE's stages in order, each entered once, each a module (or, for
decode and records, a module and its readers) with one input and one output; service.import_file
runs them one after the other and writes what the last one returns:

    decode       bytes → text (CSV), or a workbook's rows (.xlsx: xlsx.py)      decode_upload
    table        text or rows → RawTable (header, numbered raw rows)            read_source
    layout       RawTable → Layout (the real header; title, 単位, 合計 rows)     find_layout
    cell_limits  Layout → whether every cell is short enough to read           check_cell_lengths
    records      Layout → Parsed (typed cells as candidate rows, by format)     read_records
    validate     Parsed rows × IntakeRegistry → the rows to write               validate_rows

LEAVES are shared helpers a stage calls from within itself (never a stage of their own): the
RawTable type and header normalisation (raw), the ErrorSink and CellReader (rows), the columns'
vocabulary and the types handed between stages (columns), one cell's reading (cells), limits,
and the workbook checks (archive, sheet_scan). tests/test_intake_pipeline.py traces an import
and checks that the modules entered are these stages, in this order, each once.
"""

from __future__ import annotations

PIPELINE = ("decode", "table", "layout", "cell_limits", "records", "validate")
# Stage → its modules under kpi/intake/, the first being the one the driver calls.
STAGE_MODULES = {
    "decode": ("decode", "xlsx"),
    "table": ("table",),
    "layout": ("layout",),
    "cell_limits": ("cell_limits",),
    "records": ("parse", "columnar", "year_table"),
    "validate": ("validate",),
}
LEAVES = ("raw", "rows", "columns", "cells", "limits", "archive", "sheet_scan")
# The driver: service.py runs the stages, reads the registry before them (known.py) and writes
# what the last one returns.
DRIVER = ("service", "known")
