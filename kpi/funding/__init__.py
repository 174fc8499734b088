"""Funding (SPEC section 7): programmes, calls, awards, budgets, expenditures, payments, reports."""
