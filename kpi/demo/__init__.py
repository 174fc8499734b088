"""The deterministic demo portfolio (portfolio.py, names.py, real.py) and its loading into an empty database
(load.py)."""
