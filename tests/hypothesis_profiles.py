"""Hypothesis profiles for the suite. Importing this module (tests/conftest.py does) registers them
and loads the one HYPOTHESIS_PROFILE names:

- no variable: what Hypothesis chose itself, and what CI runs: its `default` profile (100
  examples a test), or under a CI environment (CI=true …) its `ci` profile (derandomized);
- `dev`: a quick run while working (HYPOTHESIS_PROFILE=dev), 10 examples a test.

A test that sets max_examples itself (tests/test_status_crosscheck.py, scaled by
KPI_CROSSCHECK_SCALE) keeps its own number under either profile.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=10)
if chosen := os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(chosen)
