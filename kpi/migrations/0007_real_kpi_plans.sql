-- KPIs as real programmes define them (SPEC sections 2 and 3): yearly flows, the 達成率 formula,
-- the reporting frequency; targets as a baseline (optional for ratio KPIs) plus any number of
-- target points with optional short/mid/long tags; a grade scheme. Every existing row keeps its
-- meaning: the three horizons become three tagged points, built-in rules stay as they were.

-- DuckDB cannot change a CHECK constraint in place: rebuild the catalog with the new columns.
CREATE TABLE kpi_definitions_0007 (
    kpi_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    unit_ja VARCHAR NOT NULL,
    unit_en VARCHAR NOT NULL,
    direction VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    accumulation VARCHAR NOT NULL CHECK (accumulation IN ('sum', 'last', 'yearly')),
    combine VARCHAR NOT NULL CHECK (combine IN ('sum', 'latest')),
    allow_negative BOOLEAN NOT NULL DEFAULT false,
    builtin BOOLEAN NOT NULL DEFAULT false,
    achievement VARCHAR NOT NULL DEFAULT 'progress' CHECK (achievement IN ('progress', 'ratio')),
    frequency VARCHAR NOT NULL DEFAULT 'quarter' CHECK (frequency IN ('month', 'quarter', 'year')),
    CHECK (achievement = 'progress' OR direction = 'higher')
);
INSERT INTO kpi_definitions_0007
SELECT kpi_code, name_ja, name_en, unit_ja, unit_en, direction, accumulation, combine,
       allow_negative, builtin, 'progress', 'quarter'
FROM kpi_definitions;
DROP TABLE kpi_definitions;
ALTER TABLE kpi_definitions_0007 RENAME TO kpi_definitions;

-- Target sets: the points in date order as one list per version (the set is versioned whole).
ALTER TABLE target_versions ALTER COLUMN baseline_value DROP NOT NULL;
ALTER TABLE target_versions ALTER COLUMN baseline_date DROP NOT NULL;
ALTER TABLE target_versions ADD COLUMN points STRUCT(day DATE, value DOUBLE, horizon VARCHAR)[];
UPDATE target_versions SET points = list_filter(
    [struct_pack(day := short_date, value := short_value, horizon := 'short'),
     struct_pack(day := mid_date, value := mid_value, horizon := 'mid'),
     struct_pack(day := long_date, value := long_value, horizon := 'long')],
    lambda x: x.day IS NOT NULL);
ALTER TABLE target_versions DROP COLUMN short_value;
ALTER TABLE target_versions DROP COLUMN short_date;
ALTER TABLE target_versions DROP COLUMN mid_value;
ALTER TABLE target_versions DROP COLUMN mid_date;
ALTER TABLE target_versions DROP COLUMN long_value;
ALTER TABLE target_versions DROP COLUMN long_date;

-- 評価: 'status' (the status words, as before), 'abcd', 'marks', or a JSON list of bands.
INSERT INTO settings VALUES ('grade_scheme', 'status') ON CONFLICT (key) DO NOTHING;
