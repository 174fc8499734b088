"""The executive one-pager: one self-contained HTML string (no script, nothing fetched) with print
CSS for one A4 page, for the current filters and as-of date, stamped with both in words: headline
numbers, status by KPI (CSS bars), the worst projects' status matrix, grades by 年度, the year view
(効果検証) of the previous and the current 年度, KPIs off track with their 要因分析, and changes since
the previous quarter. Every list is cut to a few rows with "and M more" (the export has them all),
so the page fits one sheet; kpi.report_pdf prints the same HTML. Grades (評価, kpi.grades) are shown
wherever a status is, when the scheme is not the status names themselves."""

from __future__ import annotations

import html
import unicodedata
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pandas as pd

from kpi.access import Actor
from kpi.charts import STATUS_COLORS, status_text_color
from kpi.fiscal import fiscal_year, fiscal_year_label, last_closed_quarter_end
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_date, format_number, format_percent
from kpi.grades import bands, grade_label, is_status_scheme
from kpi.i18n import t
from kpi.model import STATUS_ORDER, Settings
from kpi.portfolio.filters import Filters
from kpi.portfolio.overview import Overview, build_overview, share
from kpi.reports.evaluation import filtered_status, filtered_years
from kpi.storage import Database
from kpi.storage.registry import read_settings, read_table
from kpi.storage.reports import latest_explanations

# One A4 page for a portfolio of a few dozen projects: the worst rows of each list, then "and M more".
MATRIX_ROWS = 8
YEAR_ROWS = 5  # project x KPI pairs of the year view, the matrix's projects first
OFF_TRACK_ROWS = 4
CHANGE_ROWS = 4
EXPLANATION_CHARS = 80
NAME_WIDTH = 34  # project names in the tables, in half-width columns (a kanji counts two)
YEARS_SHOWN = 2  # the year view: the previous and the current 年度
_CSS = """
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif;
       color: #222; margin: 0 auto; max-width: 190mm; font-size: 7.5pt; line-height: 1.25; }
h1 { font-size: 13pt; margin: 0 0 1mm; } h2 { font-size: 9pt; margin: 2.2mm 0 0.8mm; }
.meta { color: #444; font-size: 7pt; margin: 0.5mm 0; } .stamp { font-size: 8pt; color: #222; }
.cards { display: flex; flex-wrap: wrap; gap: 1.2mm; }
.card { border: 1px solid #ccc; border-radius: 3px; padding: 0.5mm 1.5mm; min-width: 15mm; }
.card b { display: block; font-size: 10pt; } .card span { font-size: 6.5pt; color: #555; }
.cols { display: flex; gap: 4mm; } .cols > div { flex: 1; }
table { border-collapse: collapse; width: 100%; font-size: 6.8pt; }
th, td { border: 1px solid #ccc; padding: 0.4mm 1mm; text-align: left; vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; }
td.s { text-align: center; white-space: nowrap; font-size: 6.3pt; }
.matrix th { font-size: 6.3pt; } td.c { white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; }
th.y { text-align: center; } td.g { text-align: center; white-space: nowrap; }
.off td:nth-child(2) { width: 22%; } .off td:nth-child(6) { width: 36%; }
thead { display: table-header-group; } tr { break-inside: avoid; }
.bar { display: flex; height: 3.2mm; margin: 0.3mm 0; } .bar i { display: block; height: 100%; }
.bars td { border: none; padding: 0.2mm 1mm; } .bars td.k { width: 34%; white-space: nowrap; }
.bars td.b { width: 58%; }
.legend i { display: inline-block; width: 2.5mm; height: 2.5mm; margin: 0 0.8mm 0 2mm;
           vertical-align: middle; }
.funding-page { break-before: page; } table.funding tr.kpis td { border-top: none; color: #444; }
@page { size: A4; margin: 9mm 10mm; }
@media print { body { max-width: none; } h2 { break-after: avoid; } }
"""


def previous_quarter_end(as_of: date, start_month: int) -> date:
    """The end of the quarter before the latest closed one: what the last quarter's reports changed."""
    latest = last_closed_quarter_end(as_of, start_month)
    return last_closed_quarter_end(latest - timedelta(days=1), start_month)


def filters_in_words(filters: Filters | None, lang: str) -> str:
    """The filters in force as a reader says them ("Fiscal year: FY2026; Phase: Planning")."""
    if filters is None or filters.is_empty():
        return t("report.all_projects", lang)
    sep = t("report.filter_separator", lang)
    parts: list[tuple[str, list[str]]] = []
    if filters.fiscal_year is not None:
        parts.append(("filters.fiscal_year", [fiscal_year_label(filters.fiscal_year, lang)]))
    parts += [("filters.field", list(filters.fields)), ("filters.prefecture", list(filters.prefectures))]
    parts.append(("filters.sector", [t(f"sector.{s}", lang) for s in filters.sectors]))
    parts.append(("filters.phase", [t(f"phase.{p}", lang) for p in filters.phases]))
    items = [t("report.filter_item", lang, name=t(k, lang), values=sep.join(v)) for k, v in parts if v]
    return t("report.filter_join", lang).join(items)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _clip(text: str, width: int = NAME_WIDTH) -> str:
    """The text cut to `width` half-width columns with "…", so that a name keeps its row one line."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > width:
            return text[:i].rstrip() + "…"
    return text


def _project(code: str, names: Names) -> str:
    return f"<td class='c'>{_e(code)} {_e(_clip(names[0].get(code, '')))}</td>"


def _head(keys: list[str], lang: str) -> str:
    return "".join(f"<th>{_e(t(k, lang))}</th>" for k in keys)


def _more(hidden: int, lang: str) -> str:
    return f"<p class='meta'>{_e(t('report.and_more', lang, n=f'{hidden:,}'))}</p>" if hidden > 0 else ""


def _status_style(status: str) -> str:
    return f"background:{STATUS_COLORS[status]};color:{status_text_color(status)}"


def _cards(view: Overview, lang: str) -> str:
    h = view.headline
    cards = [(t("overview.projects", lang), f"{view.project_count:,}", "")]
    cards += [(t(f"status.{s}", lang), f"{n:,}", "") for s, n in view.status_counts.items()]
    cards.append(
        (
            t("overview.kpis_achieved", lang),
            format_percent(share(h["kpis_achieved"], h["kpis_with_target"]), lang),
            t("overview.n_of_total", lang, n=f"{h['kpis_achieved']:,}", total=f"{h['kpis_with_target']:,}"),
        )
    )
    for code in ("joint_studies", "local_jobs"):
        cards.append(
            (
                t(f"overview.total_{code}", lang),
                format_number(h[code], lang, at_most=0),
                t(
                    "overview.of_target",
                    lang,
                    target=format_number(h[f"{code}_target"], lang, at_most=0),
                    share=format_percent(share(h[code], h[f"{code}_target"]), lang),
                ),
            )
        )
    cards.append(
        (
            t("overview.median_tti", lang),
            t("overview.months", lang, n=format_number(h["tti_median"], lang, at_most=1)),
            t("overview.median_plan", lang, n=format_number(h["tti_plan_median"], lang, at_most=1)),
        )
    )
    items = "".join(f"<div class='card'><span>{_e(a)}</span><b>{_e(b)}</b><span>{_e(c)}</span></div>"
                    for a, b, c in cards)  # fmt: skip
    return f"<div class='cards'>{items}</div>"


def _code(value: Any) -> str | None:
    """A grade code from a status or year row (null → None)."""
    return None if value is None or pd.isna(value) else str(value)


def _kpi_bars(view: Overview, lang: str) -> str:
    """Stacked bars of project x KPI pairs by status, one per KPI: plain HTML, so print and PDF
    show them without a script."""
    frame = view.kpi_counts
    rows = []
    for key in dict.fromkeys(frame["key"].astype(str)):
        part = frame[frame["key"].astype(str) == key]
        counts = {str(s): int(n) for s, n in zip(part["status"], part["n"], strict=True)}
        total = sum(counts.values()) or 1
        segments = "".join(
            f"<i style='width:{100 * counts[s.value] / total:.2f}%;background:{STATUS_COLORS[s.value]}'"
            f" title='{_e(t(f'status.{s.value}', lang))} {counts[s.value]}'></i>"
            for s in STATUS_ORDER
            if counts.get(s.value)
        )
        rows.append(f"<tr><td class='k'>{_e(key)}</td><td class='b'><div class='bar'>{segments}</div></td>"
                    f"<td class='n'>{sum(counts.values()):,}</td></tr>")  # fmt: skip
    legend = "".join(f"<i style='background:{STATUS_COLORS[s.value]}'></i>{_e(t(f'status.{s.value}', lang))}"
                     for s in STATUS_ORDER)  # fmt: skip
    return f"<table class='bars'>{''.join(rows)}</table><p class='meta legend'>{legend}</p>"


def _grades(status: pd.DataFrame, settings: Settings, lang: str) -> dict[tuple[str, str], str]:
    """(project, KPI) → its grade as pages write it; empty when the grades are the status names."""
    if is_status_scheme(settings):
        return {}
    return {
        (r["project_code"], r["kpi_code"]): grade_label(_code(r["grade"]), settings, lang)
        for r in status.to_dict("records")
    }


def _with_grade(label: str, grade: str | None) -> str:
    return label if not grade or not label else f"{label} · {grade}"


def _matrix(view: Overview, grades: dict[tuple[str, str], str], lang: str) -> str:
    columns = list(view.table.columns)
    labels = {"project_code": t("column.project_code", lang), "project_name": t("column.project_name", lang),
              "overall": t("overview.overall", lang)}  # fmt: skip
    codes = {name: code for code, name in view.kpi_columns.items()}
    head = "".join(f"<th>{_e(labels.get(c, c))}</th>" for c in columns)
    rows = []
    for i in range(len(view.table)):
        cells = []
        project = str(view.table.iloc[i]["project_code"])
        for column in columns:
            value = view.table.iloc[i][column]
            status = str(view.statuses.iloc[i][column]) if column in view.statuses.columns else ""
            if status in STATUS_COLORS:
                text = _with_grade(str(value), grades.get((project, codes.get(column, ""))))
                cells.append(f"<td class='s' style='{_status_style(status)}'>{_e(text)}</td>")
            elif column == "project_name":
                cells.append(f"<td class='c'>{_e(_clip(str(value)))}</td>")
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = _more(view.project_count - len(view.table), lang)
    return f"<table class='matrix'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def _years_table(view: Overview, years: pd.DataFrame, as_of: date, settings: Settings, names: Names,
                 lang: str) -> str:  # fmt: skip
    """Per project x KPI, the matrix's projects first (same order): 年度目標 / 実績 / 達成率 / 評価 of
    the previous and the current 年度, and the final target; YEAR_ROWS pairs, then "and M more"."""
    current = fiscal_year(as_of, settings.fiscal_year_start_month)
    shown = list(range(current - YEARS_SHOWN + 1, current + 1))
    rows_of = years[years["fiscal_year"].isin(shown)]
    if rows_of.empty:
        return f"<p>{_e(t('report.no_years', lang))}</p>"
    order = {code: i for i, code in enumerate(view.table["project_code"])}
    by_key = {
        (r["project_code"], r["kpi_code"], int(r["fiscal_year"])): r for r in rows_of.to_dict("records")
    }
    every = sorted({(p, k) for p, k, _y in by_key}, key=lambda pk: (order.get(pk[0], len(order)), pk))
    pairs = every[:YEAR_ROWS]
    fields = ("report.year_target", "report.year_actual", "report.year_achievement", "export.evaluation")
    top = "".join(f"<th class='y' colspan='4'>{_e(fiscal_year_label(y, lang))}</th>" for y in shown)
    heads = [f"<th rowspan='2'>{_e(t(k, lang))}</th>" for k in ("export.project_name", "export.kpi_name")]
    head = (
        f"<tr>{''.join(heads)}{top}<th rowspan='2'>{_e(t('export.final_target', lang))}</th></tr>"
        f"<tr>{_head(list(fields) * len(shown), lang)}</tr>"
    )
    body = []
    spans = Counter(project for project, _kpi in pairs)
    for i, (project, kpi) in enumerate(pairs):
        name, unit = names[1].get(kpi, kpi), names[2].get(kpi, "")
        if unit and unit.lower() not in name.lower().split():  # not "Joint studies (studies)"
            name += t("report.unit", lang, unit=unit)
        label = f"{_e(project)} {_e(_clip(names[0].get(project, ''), 24))}"
        cells = [] if i and pairs[i - 1][0] == project else [f"<td rowspan='{spans[project]}'>{label}</td>"]
        cells.append(f"<td>{_e(name)}</td>")
        final = None
        for year in shown:
            row = by_key.get((project, kpi, year))
            if row is None:
                cells.append("<td colspan='4'></td>")
                continue
            final = row["final_target"]
            cells.extend(_year_cells(row, settings, lang))
        cells.append(f"<td class='n'>{_e(_amount(final, lang))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = f"<p class='meta'>{_e(t('report.years_legend', lang))}</p>"
    table = f"<table class='years'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    return table + _more(len(every) - len(pairs), lang) + legend


def _amount(value: Any, lang: str) -> str:
    return "—" if value is None or pd.isna(value) else format_number(float(value), lang)


def _year_cells(row: dict[Any, Any], settings: Settings, lang: str) -> list[str]:
    target = _amount(row["year_target"], lang) + (
        t("report.interpolated_mark", lang) if row["interpolated"] else ""
    )
    if pd.isna(row["actual"]):
        actual = t("export.not_reported", lang)
    else:
        actual = _amount(row["actual"], lang) + (t("report.partial_mark", lang) if row["partial"] else "")
    achieved = None if pd.isna(row["year_achievement"]) else float(row["year_achievement"])
    grade = _code(row["grade"])
    style = f" style='{_status_style(grade)}'" if grade in STATUS_COLORS else ""
    return [
        f"<td class='n'>{_e(target)}</td>",
        f"<td class='n'>{_e(actual)}</td>",
        f"<td class='n'>{_e(format_percent(achieved, lang))}</td>",
        f"<td class='g'{style}>{_e(grade_label(grade, settings, lang))}</td>",
    ]


def _grade_table(years: pd.DataFrame, as_of: date, settings: Settings, lang: str) -> str:
    """Project x KPI pairs by grade (評価) in the previous and the current 年度."""
    current = fiscal_year(as_of, settings.fiscal_year_start_month)
    codes = [str(b.code) for b in bands(settings)]
    head = "".join(f"<th class='y'>{_e(grade_label(c, settings, lang))}</th>" for c in codes)
    rows = []
    for year in (current - 1, current):
        counts = years.loc[years["fiscal_year"] == year, "grade"].fillna("").value_counts()
        cells = "".join(f"<td class='n'>{int(counts.get(c, 0)):,}</td>" for c in [*codes, ""])
        rows.append(f"<tr><td>{_e(fiscal_year_label(year, lang))}</td>{cells}</tr>")
    return (f"<table><thead><tr><th></th>{head}<th class='y'>{_e(t('grade.none', lang))}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def _names(db: Database, lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(project names, KPI names, KPI units) by code, in the language."""
    with db.cursor() as cursor:
        projects, kpis = read_table(cursor, "projects"), read_table(cursor, "kpi_definitions")

    def pick(frame: pd.DataFrame, code: str, field: str) -> dict[str, str]:
        return {
            row[code]: display_name(row[f"{field}_ja"], row.get(f"{field}_en"), lang)
            for row in frame.to_dict("records")
        }

    return (
        pick(projects, "project_code", "name"),
        pick(kpis, "kpi_code", "name"),
        pick(kpis, "kpi_code", "unit"),
    )


Names = tuple[dict[str, str], dict[str, str], dict[str, str]]


def _short(text: str) -> str:
    return text if len(text) <= EXPLANATION_CHARS else text[: EXPLANATION_CHARS - 1] + "…"


def _off_track(db: Database, status: pd.DataFrame, names: Names, settings: Settings, lang: str) -> str:
    """The KPIs off track, furthest behind the plan first, with their latest 要因分析."""
    off = status[status["status"] == "off_track"].sort_values(
        ["plan_progress", "project_code", "kpi_code"], na_position="last"
    )
    if off.empty:
        return f"<p>{_e(t('report.none_off_track', lang))}</p>"
    with db.cursor() as cursor:
        notes = latest_explanations(cursor, sorted(set(off["project_code"])))
    explained = {(r["project_code"], r["kpi_code"]): r["explanation"] for r in notes.to_dict("records")}
    keys = ["export.project_name", "export.kpi_name", "report.plan_progress", "export.final_achievement",
            "export.evaluation", "report.explanation"]  # fmt: skip
    rows = []
    for row in off.head(OFF_TRACK_ROWS).to_dict("records"):
        key = (row["project_code"], row["kpi_code"])
        progress = None if pd.isna(row["plan_progress"]) else float(row["plan_progress"])
        final = None if pd.isna(row["final_achievement"]) else float(row["final_achievement"])
        grade = grade_label(_code(row["grade"]), settings, lang)
        rows.append(
            f"<tr>{_project(key[0], names)}"
            f"<td>{_e(names[1].get(key[1], key[1]))}</td>"
            f"<td class='n'>{_e(format_percent(progress, lang))}</td>"
            f"<td class='n'>{_e(format_percent(final, lang))}</td><td class='g'>{_e(grade)}</td>"
            f"<td>{_e(_short(str(explained.get(key) or t('report.no_explanation', lang))))}</td></tr>"
        )
    head = f"<thead><tr>{_head(keys, lang)}</tr></thead>"
    table = f"<table class='off'>{head}<tbody>{''.join(rows)}</tbody></table>"
    return table + _more(len(off) - OFF_TRACK_ROWS, lang)


# Changed pairs worst first: what got worse matters before what got better.
_SEVERITY = {"off_track": 0, "at_risk": 1, "no_data": 2, "on_track": 3, "achieved": 4}


def _change_counts(now: pd.DataFrame, before: pd.DataFrame, lang: str) -> str:
    """Project x KPI pairs by status, before and now."""
    head = "".join(f"<th class='y' style='{_status_style(s.value)}'>{_e(t(f'status.{s.value}', lang))}</th>"
                   for s in STATUS_ORDER)  # fmt: skip
    rows = []
    for label, frame in ((t("report.previous", lang), before), (t("report.now", lang), now)):
        counts = frame["status"].value_counts()
        cells = "".join(f"<td class='n'>{int(counts.get(s.value, 0)):,}</td>" for s in STATUS_ORDER)
        rows.append(f"<tr><td>{_e(label)}</td>{cells}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _changes(now: pd.DataFrame, before: pd.DataFrame, names: Names, settings: Settings, lang: str) -> str:
    merged = now.merge(before, on=["project_code", "kpi_code"], how="left", suffixes=("", "_before"))
    merged["status_before"] = merged["status_before"].fillna("no_data")
    changed = merged[merged["status"] != merged["status_before"]].copy()
    if changed.empty:
        return f"<p>{_e(t('report.no_changes', lang))}</p>"
    changed["rank"] = changed["status"].map(_SEVERITY).fillna(9)
    changed = changed.sort_values(["rank", "project_code", "kpi_code"])
    now_grades, before_grades = _grades(now, settings, lang), _grades(before, settings, lang)
    head = _head(["export.project_name", "export.kpi_name", "report.previous", "report.now"], lang)
    rows = []
    for r in changed.head(CHANGE_ROWS).to_dict("records"):
        key = (r["project_code"], r["kpi_code"])
        was = _with_grade(t("status." + r["status_before"], lang), before_grades.get(key))
        now_label = _with_grade(t("status." + r["status"], lang), now_grades.get(key))
        rows.append(
            f"<tr>{_project(key[0], names)}"
            f"<td>{_e(names[1].get(key[1], key[1]))}</td><td>{_e(was)}</td><td>{_e(now_label)}</td></tr>"
        )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return table + _more(len(changed) - CHANGE_ROWS, lang)


def _funding(db: Database, as_of: date, status: pd.DataFrame, names: Names, lang: str, actor: Actor) -> str:
    """The funding page (kpi/reports/funding.py) for the report's projects; "" when none is funded."""
    from kpi.reports.funding import funding_html, scoped_status

    funded = scoped_status(db, as_of, actor, set(status["project_code"]))
    states = {(str(r["project_code"]), str(r["kpi_code"])): t(f"status.{r['status']}", lang)
              for r in status.to_dict("records")}  # fmt: skip
    return funding_html(funded, names[0], states, names[1], lang)


def report_html(
    db: Database,
    as_of: date,
    lang: str,
    filters: Filters | None = None,
    *,
    actor: Actor,
    funding: bool = True,
) -> str:
    """The whole report as one HTML document that needs nothing from the network: the KPI one-pager,
    then (unless `funding` is False, or no project in view is funded) the funding page."""
    with db.cursor() as cursor:
        settings = read_settings(cursor)
    previous = previous_quarter_end(as_of, settings.fiscal_year_start_month)
    view = build_overview(db, as_of, lang, filters, sort="worst", page_size=MATRIX_ROWS, actor=actor)
    status, _ = filtered_status(db, as_of, filters, actor=actor)
    before, _ = filtered_status(db, previous, filters, actor=actor)
    years = filtered_years(db, as_of, filters, actor=actor)
    names = _names(db, lang)
    title = t("report.title", lang)
    stamp = t("report.stamp", lang, as_of=format_date(as_of, lang), filters=filters_in_words(filters, lang),
              previous=format_date(previous, lang))  # fmt: skip
    changes_title = t("report.changes", lang, previous=format_date(previous, lang))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{_CSS}</style>
</head><body>
<h1>{_e(title)}</h1>
<p class="meta stamp" id="stamp">{_e(stamp)}</p>
<h2>{_e(t("report.headline", lang))}</h2>{_cards(view, lang)}
<div class="cols"><div><h2>{_e(t("report.by_kpi", lang))}</h2>{_kpi_bars(view, lang)}</div>
<div><h2>{_e(t("report.grades_chart", lang))}</h2>{_grade_table(years, as_of, settings, lang)}
<h2>{_e(t("report.changes_chart", lang))}</h2>{_change_counts(status, before, lang)}</div></div>
<h2>{_e(t("overview.matrix", lang))}</h2>{_matrix(view, _grades(status, settings, lang), lang)}
<h2 id="years">{_e(t("report.years", lang))}</h2>{_years_table(view, years, as_of, settings, names, lang)}
<h2>{_e(t("report.off_track", lang))}</h2>{_off_track(db, status, names, settings, lang)}
<h2>{_e(changes_title)}</h2>{_changes(status, before, names, settings, lang)}
{_funding(db, as_of, status, names, lang, actor) if funding else ""}
</body></html>
"""
