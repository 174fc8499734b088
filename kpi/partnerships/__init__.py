"""Partnerships over time (SPEC section 8): agreements, meetings and reviews, each organization's
history with the others, and the 法人番号 / e-Rad identifiers."""
