-- Per project x KPI, its periods (actual_periods) as one list in date order: the value series that
-- status reads, whatever the as-of date. Kept by kpi/storage/periods.py in the same transaction as
-- actual_periods, so status no longer builds 2.4 M periods into lists on every call at 10,000
-- projects; the per-as-of step filters the kept list.
CREATE TABLE actual_series (
    project_code VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    periods STRUCT(day DATE, summed DOUBLE, latest DOUBLE)[] NOT NULL
);
INSERT INTO actual_series
SELECT project_code, kpi_code,
       list_sort(list(struct_pack(day := period_end, summed := summed, latest := latest)))
FROM actual_periods GROUP BY project_code, kpi_code;
