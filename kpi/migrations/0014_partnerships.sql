-- Partnerships over time (SPEC section 8): agreements (契約・協定) and meetings (会議・振り返り) as
-- append-only versions, each project's review cadence, the reasons a lead gave for moving a project
-- on without a signed research agreement, and the organizations' 法人番号 and e-Rad 研究機関コード.

-- Identifiers (kpi/partnerships/identifiers.py checks them; a duplicate 法人番号 is refused there:
-- DuckDB's unique indexes trip over updates of indexed rows inside one transaction).
ALTER TABLE organizations ADD COLUMN corporate_number VARCHAR;  -- 法人番号, 13 digits
ALTER TABLE organizations ADD COLUMN erad_code VARCHAR;  -- e-Rad 研究機関コード, 10 digits

INSERT INTO settings VALUES
    ('agreement_alert_days', '90'),  -- alert this many days before an end or a notice date
    ('review_cadence_months', '3'),  -- a running project's review is due this often
    ('quiet_months', '12');  -- after a project closes, a partner silent this long is going quiet

-- One row per version of an agreement; the highest version is current. A withdrawn version takes
-- an agreement recorded by mistake out of every list (its history stays).
CREATE SEQUENCE agreement_version_id;
CREATE TABLE agreement_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('agreement_version_id'),
    agreement_code VARCHAR NOT NULL,  -- 契約番号, as the officer keeps it
    version INTEGER NOT NULL,
    project_code VARCHAR,  -- NULL: between organizations (a 包括連携協定)
    kind VARCHAR NOT NULL
        CHECK (kind IN ('mou', 'joint_research', 'commissioned', 'nda', 'comprehensive', 'license')),
    title VARCHAR NOT NULL DEFAULT '',
    parties VARCHAR[] NOT NULL,  -- organization codes
    signed_on DATE,  -- NULL: not signed yet
    starts_on DATE NOT NULL,
    ends_on DATE,  -- NULL: open-ended
    renewal VARCHAR NOT NULL DEFAULT 'none' CHECK (renewal IN ('none', 'auto')),
    notice_days INTEGER CHECK (notice_days >= 0),  -- auto: objections this many days before the end
    ip_ownership VARCHAR NOT NULL DEFAULT 'none' CHECK (ip_ownership IN ('none', 'sole', 'joint')),
    ip_shares STRUCT(organization_code VARCHAR, percent DOUBLE)[] NOT NULL DEFAULT [],
    bayh_dole BOOLEAN NOT NULL DEFAULT false,  -- 日本版バイ・ドール (産業技術力強化法17条) applied
    ethics VARCHAR NOT NULL DEFAULT 'not_needed' CHECK (ethics IN ('not_needed', 'needed', 'approved')),
    ethics_approved_on DATE,
    ip_terms VARCHAR NOT NULL DEFAULT '',  -- free text, shown as typed
    withdrawn BOOLEAN NOT NULL DEFAULT false,
    reason VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE VIEW agreements AS
SELECT * EXCLUDE (rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY agreement_code ORDER BY version DESC) AS rank
    FROM agreement_versions
) WHERE rank = 1 AND NOT withdrawn;

-- One row per version of a meeting, its action items included (marking one done is a version).
CREATE SEQUENCE meeting_version_id;
CREATE TABLE meeting_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('meeting_version_id'),
    meeting_code VARCHAR NOT NULL,  -- given at creation: project, date and type
    version INTEGER NOT NULL,
    project_code VARCHAR NOT NULL,
    held_on DATE NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('regular', 'results', 'new_theme', 'midterm')),
    title VARCHAR NOT NULL DEFAULT '',
    organizations VARCHAR[] NOT NULL,  -- who took part
    minutes VARCHAR NOT NULL DEFAULT '',  -- free text, shown as typed
    decisions VARCHAR NOT NULL DEFAULT '',
    kpi_codes VARCHAR[] NOT NULL DEFAULT [],  -- the KPIs discussed
    action_items STRUCT(description VARCHAR, owner VARCHAR, due_on DATE, done_on DATE)[] NOT NULL DEFAULT [],
    withdrawn BOOLEAN NOT NULL DEFAULT false,
    reason VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE VIEW meetings AS
SELECT * EXCLUDE (rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY meeting_code ORDER BY version DESC) AS rank
    FROM meeting_versions
) WHERE rank = 1 AND NOT withdrawn;

-- A project's review cadence, when it differs from the setting; versions, the latest applies.
CREATE SEQUENCE review_cadence_id;
CREATE TABLE review_cadence_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('review_cadence_id'),
    project_code VARCHAR NOT NULL,
    months INTEGER NOT NULL CHECK (months BETWEEN 1 AND 24),
    reason VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

-- A lead's reason for a project in 実証 or 社会実装 without a signed joint-research or commissioned
-- agreement (SPEC section 8): the flag is lifted for that phase, the reason kept.
CREATE SEQUENCE phase_exception_id;
CREATE TABLE phase_exceptions (
    id BIGINT PRIMARY KEY DEFAULT nextval('phase_exception_id'),
    project_code VARCHAR NOT NULL,
    phase VARCHAR NOT NULL CHECK (phase IN ('demonstration', 'implementation')),
    reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
