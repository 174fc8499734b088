"""The executive one-pager: one self-contained HTML string (plotly.js inlined once, print CSS for A4)
for the current filters and as-of date: headline numbers, status matrix, the year view (効果検証) of
the previous and the current 年度, KPIs off track with their 要因分析, and changes since the previous
quarter. Grades (評価, kpi.grades) are shown wherever a status is, when the scheme is not the status
names themselves."""

from __future__ import annotations

import html
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kpi.access import Actor
from kpi.charts import STATUS_COLORS, status_bar_chart, status_text_color
from kpi.evaluation import filtered_status, filtered_years
from kpi.filters import Filters
from kpi.fiscal import fiscal_year, fiscal_year_label
from kpi.formatting import format_date, format_number, format_percent
from kpi.grades import bands, grade_label, is_status_scheme
from kpi.i18n import t
from kpi.intake.templates import last_closed_quarter_end
from kpi.model import STATUS_ORDER, Settings
from kpi.overview import Overview, build_overview, share
from kpi.storage import Database
from kpi.storage.registry import read_settings, read_table
from kpi.storage.reports import latest_explanations

MATRIX_ROWS = 40  # the worst projects first; the rest is in the export
YEARS_SHOWN = 2  # the year view: the previous and the current 年度
_CSS = """
body { font-family: "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; color: #222;
       margin: 0 auto; max-width: 190mm; font-size: 10.5pt; }
h1 { font-size: 16pt; margin: 8px 0 2px; } h2 { font-size: 12pt; margin: 14px 0 4px; }
.meta { color: #555; font-size: 9pt; }
.cards { display: flex; flex-wrap: wrap; gap: 6px; }
.card { border: 1px solid #ccc; border-radius: 4px; padding: 4px 8px; min-width: 28mm; }
.card b { display: block; font-size: 13pt; } .card span { font-size: 8.5pt; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: left; vertical-align: top; }
td.s { color: #fff; text-align: center; } td.n { text-align: right; white-space: nowrap; }
th.y { text-align: center; background: #f2f4f7; } td.g { text-align: center; white-space: nowrap; }
.years td, .years th { font-size: 7.5pt; padding: 1px 3px; }
.chart { page-break-inside: avoid; break-inside: avoid; }
@page { size: A4; margin: 12mm; }
@media print { body { max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def previous_quarter_end(as_of: date, start_month: int) -> date:
    """The end of the quarter before the latest closed one: what the last quarter's reports changed."""
    latest = last_closed_quarter_end(as_of, start_month)
    return last_closed_quarter_end(latest - timedelta(days=1), start_month)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _head(keys: list[str], lang: str) -> str:
    return "".join(f"<th>{_e(t(k, lang))}</th>" for k in keys)


def _figure(figure: go.Figure) -> str:
    figure.update_layout(width=680, autosize=False)
    body = figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False})
    return f'<div class="chart">{body}</div>'


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
                format_number(h[code], lang, digits=0),
                t(
                    "overview.of_target",
                    lang,
                    target=format_number(h[f"{code}_target"], lang, digits=0),
                    share=format_percent(share(h[code], h[f"{code}_target"]), lang),
                ),
            )
        )
    cards.append(
        (
            t("overview.median_tti", lang),
            t("overview.months", lang, n=format_number(h["tti_median"], lang, digits=1)),
            t("overview.median_target", lang, n=format_number(h["tti_target_median"], lang, digits=1)),
        )
    )
    items = "".join(f"<div class='card'><span>{_e(a)}</span><b>{_e(b)}</b><span>{_e(c)}</span></div>"
                    for a, b, c in cards)  # fmt: skip
    return f"<div class='cards'>{items}</div>"


def _code(value: Any) -> str | None:
    """A grade code from a status or year row (null → None)."""
    return None if value is None or pd.isna(value) else str(value)


def _grouped_bars(title: str, x: list[str], series: list[tuple[str, list[int], str]]) -> go.Figure:
    """Bars side by side: one (name, counts, colour) series per period compared."""
    figure = go.Figure()
    for name, counts, colour in series:
        figure.add_trace(go.Bar(x=x, y=counts, name=name, marker={"color": colour}))
    figure.update_layout(title=title, height=280, barmode="group", plot_bgcolor="#ffffff",
                         margin={"l": 10, "r": 10, "t": 40, "b": 10})  # fmt: skip
    return figure


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
                colours = f"background:{STATUS_COLORS[status]};color:{status_text_color(status)}"
                cells.append(f"<td class='s' style='{colours}'>{_e(text)}</td>")
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if view.pages > 1:
        note = f"<p class='meta'>{_e(t('report.matrix_truncated', lang, n=len(view.table)))}</p>"
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _years_table(view: Overview, years: pd.DataFrame, as_of: date, settings: Settings, names: Names,
                 lang: str) -> str:  # fmt: skip
    """Per project x KPI of the matrix's projects (same order): 年度目標 / 実績 / 達成率 / 評価 of the
    previous and the current 年度, and the final target."""
    current = fiscal_year(as_of, settings.fiscal_year_start_month)
    shown = list(range(current - YEARS_SHOWN + 1, current + 1))
    order = {code: i for i, code in enumerate(view.table["project_code"])}
    rows_of = years[years["project_code"].isin(order) & years["fiscal_year"].isin(shown)]
    if rows_of.empty:
        return f"<p>{_e(t('report.no_years', lang))}</p>"
    by_key = {
        (r["project_code"], r["kpi_code"], int(r["fiscal_year"])): r for r in rows_of.to_dict("records")
    }
    pairs = sorted({(p, k) for p, k, _y in by_key}, key=lambda pk: (order[pk[0]], pk[1]))
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
        cells = [] if i and pairs[i - 1][0] == project else [
            f"<td rowspan='{spans[project]}'>{_e(project)} {_e(names[0].get(project, ''))}</td>"]  # fmt: skip
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
    if view.pages > 1:
        legend += f"<p class='meta'>{_e(t('report.matrix_truncated', lang, n=len(view.table)))}</p>"
    return f"<table class='years'>{head}{''.join(body)}</table>{legend}"


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
    share = None if pd.isna(row["year_achievement"]) else float(row["year_achievement"])
    grade = _code(row["grade"])
    style = ""
    if grade in STATUS_COLORS:
        style = f" style='background:{STATUS_COLORS[grade]};color:{status_text_color(grade)}'"
    return [
        f"<td class='n'>{_e(target)}</td>",
        f"<td class='n'>{_e(actual)}</td>",
        f"<td class='n'>{_e(format_percent(share, lang))}</td>",
        f"<td class='g'{style}>{_e(grade_label(grade, settings, lang))}</td>",
    ]


def _grade_chart(years: pd.DataFrame, as_of: date, settings: Settings, lang: str) -> go.Figure:
    """Project x KPI pairs by grade (評価) in the previous and the current 年度."""
    current = fiscal_year(as_of, settings.fiscal_year_start_month)
    codes = [str(b.code) for b in bands(settings)]
    labels = [html.escape(grade_label(c, settings, lang)) for c in codes] + [
        html.escape(t("grade.none", lang))
    ]
    series = []
    for year, colour in ((current - 1, "#b0b7c3"), (current, "#1f4e79")):
        counts = years.loc[years["fiscal_year"] == year, "grade"].fillna("").value_counts()
        series.append((fiscal_year_label(year, lang), [int(counts.get(c, 0)) for c in [*codes, ""]], colour))
    return _grouped_bars(t("report.grades_chart", lang), labels, series)


def _names(db: Database, lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(project names, KPI names, KPI units) by code, in the language."""
    with db.cursor() as cursor:
        projects, kpis = read_table(cursor, "projects"), read_table(cursor, "kpi_definitions")

    def pick(frame: pd.DataFrame, code: str, field: str) -> dict[str, str]:
        out = {}
        for row in frame.to_dict("records"):
            en = row.get(f"{field}_en")
            out[row[code]] = (
                str(en) if lang == "en" and isinstance(en, str) and en else str(row[f"{field}_ja"])
            )
        return out

    return (
        pick(projects, "project_code", "name"),
        pick(kpis, "kpi_code", "name"),
        pick(kpis, "kpi_code", "unit"),
    )


Names = tuple[dict[str, str], dict[str, str], dict[str, str]]


def _off_track(db: Database, status: pd.DataFrame, names: Names, settings: Settings, lang: str) -> str:
    off = status[status["status"] == "off_track"]
    if off.empty:
        return f"<p>{_e(t('report.none_off_track', lang))}</p>"
    with db.cursor() as cursor:
        notes = latest_explanations(cursor, sorted(set(off["project_code"])))
    explained = {(r["project_code"], r["kpi_code"]): r["explanation"] for r in notes.to_dict("records")}
    keys = ["export.project_name", "export.kpi_name", "report.plan_progress", "export.final_achievement",
            "export.evaluation", "report.explanation"]  # fmt: skip
    rows = []
    for row in off.to_dict("records"):
        key = (row["project_code"], row["kpi_code"])
        progress = None if pd.isna(row["plan_progress"]) else float(row["plan_progress"])
        final = None if pd.isna(row["final_achievement"]) else float(row["final_achievement"])
        grade = grade_label(_code(row["grade"]), settings, lang)
        rows.append(
            f"<tr><td>{_e(row['project_code'])} {_e(names[0].get(key[0], ''))}</td>"
            f"<td>{_e(names[1].get(key[1], key[1]))}</td>"
            f"<td class='n'>{_e(format_percent(progress, lang))}</td>"
            f"<td class='n'>{_e(format_percent(final, lang))}</td><td class='g'>{_e(grade)}</td>"
            f"<td>{_e(explained.get(key) or t('report.no_explanation', lang))}</td></tr>"
        )
    return f"<table><tr>{_head(keys, lang)}</tr>{''.join(rows)}</table>"


def _changes(now: pd.DataFrame, before: pd.DataFrame, names: Names, settings: Settings,
             lang: str) -> tuple[str, go.Figure]:  # fmt: skip
    merged = now.merge(before, on=["project_code", "kpi_code"], how="left", suffixes=("", "_before"))
    merged["status_before"] = merged["status_before"].fillna("no_data")
    changed = merged[merged["status"] != merged["status_before"]]
    series = [
        (label, [int(frame["status"].value_counts().get(s.value, 0)) for s in STATUS_ORDER], colour)
        for label, frame, colour in (
            (t("report.previous", lang), before, "#b0b7c3"),
            (t("report.now", lang), now, "#1f4e79"),
        )
    ]
    figure = _grouped_bars(
        t("report.changes_chart", lang), [t(f"status.{s}", lang) for s in STATUS_ORDER], series
    )
    if changed.empty:
        return f"<p>{_e(t('report.no_changes', lang))}</p>", figure
    now_grades, before_grades = _grades(now, settings, lang), _grades(before, settings, lang)
    head = _head(["export.project_name", "export.kpi_name", "report.previous", "report.now"], lang)
    rows = []
    for r in changed.to_dict("records"):
        key = (r["project_code"], r["kpi_code"])
        was = _with_grade(t("status." + r["status_before"], lang), before_grades.get(key))
        now_label = _with_grade(t("status." + r["status"], lang), now_grades.get(key))
        rows.append(
            f"<tr><td>{_e(key[0])} {_e(names[0].get(key[0], ''))}</td>"
            f"<td>{_e(names[1].get(key[1], key[1]))}</td><td>{_e(was)}</td><td>{_e(now_label)}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>", figure


def report_html(db: Database, as_of: date, lang: str, filters: Filters | None = None, *, actor: Actor) -> str:
    """The whole one-pager as one HTML document that needs nothing from the network."""
    with db.cursor() as cursor:
        settings = read_settings(cursor)
    previous = previous_quarter_end(as_of, settings.fiscal_year_start_month)
    view = build_overview(db, as_of, lang, filters, sort="worst", page_size=MATRIX_ROWS, actor=actor)
    status, _ = filtered_status(db, as_of, filters, actor=actor)
    before, _ = filtered_status(db, previous, filters, actor=actor)
    years = filtered_years(db, as_of, filters, actor=actor)
    names = _names(db, lang)
    changes, change_figure = _changes(status, before, names, settings, lang)
    kpi_chart = status_bar_chart(view.kpi_counts, lang, title=t("overview.by_kpi", lang), key_labels={})
    title = t("report.title", lang)
    meta = t("report.meta", lang, as_of=format_date(as_of, lang), previous=format_date(previous, lang))
    year_table = _years_table(view, years, as_of, settings, names, lang)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript" id="plotlyjs">{get_plotlyjs()}</script>
</head><body>
<h1>{_e(title)}</h1>
<p class="meta">{_e(meta)}</p>
<h2>{_e(t("report.headline", lang))}</h2>{_cards(view, lang)}
<h2>{_e(t("overview.matrix", lang))}</h2>{_matrix(view, _grades(status, settings, lang), lang)}
{_figure(kpi_chart)}
<h2 id="years">{_e(t("report.years", lang))}</h2>{year_table}
{_figure(_grade_chart(years, as_of, settings, lang))}
<h2>{_e(t("report.off_track", lang))}</h2>{_off_track(db, status, names, settings, lang)}
<h2>{_e(t("report.changes", lang, previous=format_date(previous, lang)))}</h2>
{_figure(change_figure)}{changes}
</body></html>
"""
