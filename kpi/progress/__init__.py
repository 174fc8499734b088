"""The update page's capability: a lead's targets and progress — the forms' data (forms.py, target_form.py,
typed_values.py), soft checks, and the saves (save.py)."""
