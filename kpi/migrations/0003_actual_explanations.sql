-- 要因分析: a project lead's short explanation kept with a value that turned its KPI off track.
-- (Numbered 0003 so a concurrent 0002 can land without renumbering; gaps are fine.)
ALTER TABLE actual_versions ADD COLUMN explanation VARCHAR;
