"""python -m kpi: argument parsing and printing only (main.py), one module per command group; each calls the
same core functions as the pages."""
