"""One project in depth: each KPI's story (view.py), its year table (years.py) and how a status was computed
(explain.py)."""
