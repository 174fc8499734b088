"""産学官連携 KPI dashboard: the product's core. Never imports streamlit."""
