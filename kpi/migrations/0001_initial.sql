-- The registry, append-only target and actual versions, import batches, audit log, settings.
-- Applied with its record in schema_migrations in one transaction (kpi/storage.py).

CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
INSERT INTO settings VALUES
    ('on_track_threshold', '0.9'),
    ('at_risk_threshold', '0.7'),
    ('fiscal_year_start_month', '4'),
    ('import_max_bytes', '20971520'),
    ('import_max_rows', '200000');

CREATE TABLE organizations (
    organization_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR,
    sector VARCHAR NOT NULL CHECK (sector IN ('industry', 'academia', 'government')),
    prefecture VARCHAR NOT NULL
);

CREATE TABLE projects (
    project_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR,
    field VARCHAR NOT NULL,
    prefecture VARCHAR NOT NULL,
    phase VARCHAR NOT NULL
        CHECK (phase IN ('agreement', 'planning', 'demonstration', 'implementation', 'closed')),
    start_date DATE NOT NULL,
    end_date DATE,
    lead_organization_code VARCHAR NOT NULL
);

-- No foreign keys: DuckDB checks them eagerly inside a transaction, and the registry loader
-- validates references itself before it writes anything.
CREATE TABLE partners (
    project_code VARCHAR NOT NULL,
    organization_code VARCHAR NOT NULL,
    role VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (project_code, organization_code)
);

CREATE TABLE kpi_definitions (
    kpi_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    unit_ja VARCHAR NOT NULL,
    unit_en VARCHAR NOT NULL,
    direction VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    accumulation VARCHAR NOT NULL CHECK (accumulation IN ('sum', 'last')),
    combine VARCHAR NOT NULL CHECK (combine IN ('sum', 'latest')),
    allow_negative BOOLEAN NOT NULL DEFAULT false,
    builtin BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO kpi_definitions VALUES
    ('joint_studies', '共同研究の件数', 'Joint studies', '件', 'studies',
     'higher', 'sum', 'sum', false, true),
    ('time_to_implementation', '社会実装までの期間', 'Time to social implementation', 'か月', 'months',
     'lower', 'last', 'latest', false, true),
    ('local_jobs', '地域雇用の創出数', 'Local jobs created', '人', 'people',
     'higher', 'sum', 'sum', false, true);

-- One row per version of a project x KPI's whole target set. Version 1 is the original;
-- the highest version is current. Nothing is updated or deleted.
CREATE SEQUENCE target_version_id;
CREATE TABLE target_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('target_version_id'),
    project_code VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    baseline_value DOUBLE NOT NULL,
    baseline_date DATE NOT NULL,
    short_value DOUBLE,
    short_date DATE,
    mid_value DOUBLE,
    mid_date DATE,
    long_value DOUBLE,
    long_date DATE,
    reason VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE import_batch_id;
CREATE TABLE import_batches (
    batch_id BIGINT PRIMARY KEY DEFAULT nextval('import_batch_id'),
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    organization_code VARCHAR NOT NULL,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    rows INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    outcome VARCHAR NOT NULL,
    rolled_back_by VARCHAR,
    rolled_back_at TIMESTAMP
);

-- Every recorded value, append-only. A NULL value withdraws the report for its key
-- (used when an import batch is rolled back and there was nothing before it).
CREATE SEQUENCE actual_version_id;
CREATE TABLE actual_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('actual_version_id'),
    project_code VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    organization_code VARCHAR NOT NULL,
    value DOUBLE,
    note VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    batch_id BIGINT
);

-- The current version of each key, kept by kpi/storage.py in the same transaction as the
-- version it points to, so status never has to search the history. Derived, not a source.
CREATE TABLE actual_current (
    project_code VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    organization_code VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    version_id BIGINT NOT NULL
);

CREATE SEQUENCE audit_id;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_id'),
    recorded_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_key VARCHAR NOT NULL,
    before JSON,
    after JSON
);
