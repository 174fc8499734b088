"""The whole portfolio: status per SPEC section 3 (status.py), filters, what the overview shows
(overview.py), reporting freshness."""
