"""Files people take away: the 効果検証 table (evaluation.py), the executive one-pager in HTML (executive.py)
and PDF (pdf.py)."""
