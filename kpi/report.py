"""The executive one-pager: one self-contained HTML string (plotly.js inlined once, print CSS for A4)
for the current filters and as-of date: headline numbers, status matrix, KPIs off track with their
要因分析, and changes since the previous quarter."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kpi.access import Actor
from kpi.charts import STATUS_COLORS, status_bar_chart
from kpi.evaluation import filtered_status
from kpi.filters import Filters
from kpi.formatting import format_date, format_number, format_percent
from kpi.i18n import t
from kpi.intake.templates import last_closed_quarter_end
from kpi.model import STATUS_ORDER
from kpi.overview import Overview, build_overview, share
from kpi.storage import Database
from kpi.storage.registry import read_settings, read_table
from kpi.storage.reports import latest_explanations

MATRIX_ROWS = 40  # the worst projects first; the rest is in the export
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
td.s { color: #fff; text-align: center; } td.n { text-align: right; }
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


def _matrix(view: Overview, lang: str) -> str:
    columns = list(view.table.columns)
    labels = {"project_code": t("column.project_code", lang), "project_name": t("column.project_name", lang),
              "overall": t("overview.overall", lang)}  # fmt: skip
    head = "".join(f"<th>{_e(labels.get(c, c))}</th>" for c in columns)
    rows = []
    for i in range(len(view.table)):
        cells = []
        for column in columns:
            value = view.table.iloc[i][column]
            status = str(view.statuses.iloc[i][column]) if column in view.statuses.columns else ""
            if status in STATUS_COLORS:
                cells.append(f"<td class='s' style='background:{STATUS_COLORS[status]}'>{_e(value)}</td>")
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if view.pages > 1:
        note = f"<p class='meta'>{_e(t('report.matrix_truncated', lang, n=len(view.table)))}</p>"
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _names(db: Database, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    with db.cursor() as cursor:
        projects, kpis = read_table(cursor, "projects"), read_table(cursor, "kpi_definitions")

    def pick(frame: pd.DataFrame, code: str) -> dict[str, str]:
        out = {}
        for row in frame.to_dict("records"):
            en = row.get("name_en")
            out[row[code]] = str(en) if lang == "en" and isinstance(en, str) and en else str(row["name_ja"])
        return out

    return pick(projects, "project_code"), pick(kpis, "kpi_code")


def _off_track(
    db: Database, status: pd.DataFrame, names: tuple[dict[str, str], dict[str, str]], lang: str
) -> str:
    off = status[status["status"] == "off_track"]
    if off.empty:
        return f"<p>{_e(t('report.none_off_track', lang))}</p>"
    with db.cursor() as cursor:
        notes = latest_explanations(cursor, sorted(set(off["project_code"])))
    explained = {(r["project_code"], r["kpi_code"]): r["explanation"] for r in notes.to_dict("records")}
    head = _head(
        ["export.project_name", "export.kpi_name", "report.plan_progress", "report.explanation"], lang
    )
    rows = []
    for row in off.to_dict("records"):
        key = (row["project_code"], row["kpi_code"])
        progress = None if pd.isna(row["plan_progress"]) else float(row["plan_progress"])
        rows.append(
            f"<tr><td>{_e(row['project_code'])} {_e(names[0].get(key[0], ''))}</td>"
            f"<td>{_e(names[1].get(key[1], key[1]))}</td>"
            f"<td class='n'>{_e(format_percent(progress, lang))}</td>"
            f"<td>{_e(explained.get(key) or t('report.no_explanation', lang))}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _changes(now: pd.DataFrame, before: pd.DataFrame, names: tuple[dict[str, str], dict[str, str]],
             lang: str) -> tuple[str, go.Figure]:  # fmt: skip
    merged = now.merge(before, on=["project_code", "kpi_code"], how="left", suffixes=("", "_before"))
    merged["status_before"] = merged["status_before"].fillna("no_data")
    changed = merged[merged["status"] != merged["status_before"]]
    figure = go.Figure()
    for label, frame, colour in ((t("report.previous", lang), before, "#b0b7c3"),
                                 (t("report.now", lang), now, "#1f4e79")):  # fmt: skip
        counts = frame["status"].value_counts()
        figure.add_trace(go.Bar(x=[t(f"status.{s}", lang) for s in STATUS_ORDER], name=label,
                                y=[int(counts.get(s.value, 0)) for s in STATUS_ORDER],
                                marker={"color": colour}))  # fmt: skip
    figure.update_layout(title=t("report.changes_chart", lang), height=280, barmode="group",
                         plot_bgcolor="#ffffff", margin={"l": 10, "r": 10, "t": 40, "b": 10})  # fmt: skip
    if changed.empty:
        return f"<p>{_e(t('report.no_changes', lang))}</p>", figure
    head = _head(["export.project_name", "export.kpi_name", "report.previous", "report.now"], lang)
    rows = "".join(
        f"<tr><td>{_e(r['project_code'])} {_e(names[0].get(r['project_code'], ''))}</td>"
        f"<td>{_e(names[1].get(r['kpi_code'], r['kpi_code']))}</td>"
        f"<td>{_e(t('status.' + r['status_before'], lang))}</td>"
        f"<td>{_e(t('status.' + r['status'], lang))}</td></tr>"
        for r in changed.to_dict("records")
    )
    return f"<table><tr>{head}</tr>{rows}</table>", figure


def report_html(db: Database, as_of: date, lang: str, filters: Filters | None = None, *, actor: Actor) -> str:
    """The whole one-pager as one HTML document that needs nothing from the network."""
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
    previous = previous_quarter_end(as_of, start_month)
    view = build_overview(db, as_of, lang, filters, sort="worst", page_size=MATRIX_ROWS, actor=actor)
    status, _ = filtered_status(db, as_of, filters, actor=actor)
    before, _ = filtered_status(db, previous, filters, actor=actor)
    names = _names(db, lang)
    changes, change_figure = _changes(status, before, names, lang)
    kpi_chart = status_bar_chart(view.kpi_counts, lang, title=t("overview.by_kpi", lang), key_labels={})
    title = t("report.title", lang)
    meta = t("report.meta", lang, as_of=format_date(as_of, lang), previous=format_date(previous, lang))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript" id="plotlyjs">{get_plotlyjs()}</script>
</head><body>
<h1>{_e(title)}</h1>
<p class="meta">{_e(meta)}</p>
<h2>{_e(t("report.headline", lang))}</h2>{_cards(view, lang)}
<h2>{_e(t("overview.matrix", lang))}</h2>{_matrix(view, lang)}
{_figure(kpi_chart)}
<h2>{_e(t("report.off_track", lang))}</h2>{_off_track(db, status, names, lang)}
<h2>{_e(t("report.changes", lang, previous=format_date(previous, lang)))}</h2>
{_figure(change_figure)}{changes}
</body></html>
"""
