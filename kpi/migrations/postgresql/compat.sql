-- PostgreSQL only, run before the numbered migrations on every migrate (idempotent): the composite
-- types that hold DuckDB's structs (kpi/storage/pg_dialect.py STRUCTS names them by their fields) and
-- the few DuckDB functions PostgreSQL 15 lacks, under DuckDB's names.
DO $$
BEGIN
    CREATE TYPE kpi_target_point AS (day DATE, value DOUBLE PRECISION, horizon TEXT);
    CREATE TYPE kpi_series_point AS (day DATE, summed DOUBLE PRECISION, latest DOUBLE PRECISION);
    CREATE TYPE kpi_award_amount AS (fiscal_year INTEGER, amount BIGINT);
    CREATE TYPE kpi_ip_share AS (organization_code TEXT, percent DOUBLE PRECISION);
    CREATE TYPE kpi_action_item AS (description TEXT, owner TEXT, due_on DATE, done_on DATE);
    CREATE TYPE kpi_day_value AS (day DATE, value DOUBLE PRECISION);
    CREATE TYPE kpi_day_amount AS (day DATE, amt DOUBLE PRECISION);
    CREATE TYPE kpi_band AS (code TEXT, min DOUBLE PRECISION, above BOOLEAN);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- len(): of a list, its number of elements; of a string, its characters (as DuckDB's len).
CREATE OR REPLACE FUNCTION len(anyarray) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT cardinality($1)';
CREATE OR REPLACE FUNCTION len(text) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT length($1)';

-- any_value(): PostgreSQL 16 has it; 15 does not.
CREATE OR REPLACE FUNCTION kpi_first_value(anyelement, anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT $1';
DO $$
BEGIN
    CREATE AGGREGATE any_value(anyelement) (SFUNC = kpi_first_value, STYPE = anyelement);
EXCEPTION WHEN duplicate_function THEN NULL;
END $$;

-- kpi_div(): DuckDB's `/` on doubles, IEEE 754: x / 0 is ±Infinity (NaN for 0 / 0), where
-- PostgreSQL's raises "division by zero". pg_dialect.py writes every `/` as kpi_div.
CREATE OR REPLACE FUNCTION kpi_div(double precision, double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN $2 <> 0 OR $1 IS NULL OR $2 IS NULL OR $1 = 'NaN' OR $2 = 'NaN' THEN $1 / $2
    WHEN $1 = 0 THEN 'NaN'::double precision
    WHEN ($1 > 0) = (CAST($2 AS TEXT) NOT LIKE '-%') THEN 'Infinity'::double precision
    ELSE '-Infinity'::double precision END $$;

-- hash(): a row's (or value's) 64-bit hash, as `python -m kpi check` reads every row with
-- bit_xor(hash(t)) (DuckDB's hash values differ: only reading every row matters).
CREATE OR REPLACE FUNCTION hash(anyelement) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT hashtextextended(CAST($1 AS TEXT), 0)';

-- list_sum(): DuckDB's, for lists of doubles: the non-NULL elements added in list order (NULL for
-- none), as sum(… ORDER BY position) would, without a subquery's cost for every row.
CREATE OR REPLACE FUNCTION list_sum(double precision[]) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS
$$
DECLARE
    total double precision;
    x double precision;
BEGIN
    IF $1 IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH x IN ARRAY $1 LOOP
        IF x IS NOT NULL THEN
            total := CASE WHEN total IS NULL THEN x ELSE total + x END;
        END IF;
    END LOOP;
    RETURN total;
END
$$;
