"""The registry: loading files of projects, partners, KPIs and targets (setup.py, files.py, checks.py),
editing them (edits.py), English names of terms."""
