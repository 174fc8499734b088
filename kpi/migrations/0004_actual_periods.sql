-- Per project x KPI x period, the current reports combined both ways (SPEC 2 `combine`): their sum
-- and the most recently recorded one. Derived from actual_current and kept by kpi/storage in the
-- same transaction as every write to it, so status reads 2.4 M periods rather than grouping 7.2 M
-- reports at 10,000 projects. Both rules are kept so a KPI's rule can change without a rebuild.
CREATE TABLE actual_periods (
    project_code VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    summed DOUBLE NOT NULL,
    latest DOUBLE NOT NULL
);
INSERT INTO actual_periods
SELECT project_code, kpi_code, period_end, sum(value), arg_max(value, version_id)
FROM actual_current GROUP BY project_code, kpi_code, period_end;
