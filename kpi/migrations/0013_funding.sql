-- Funding (SPEC section 7): programmes (制度) and their rules, calls (公募), awards (交付決定 /
-- 委託契約) with append-only amendments, budget lines, expenditures uploaded by partners, payments
-- received, submitted reports, and the KPIs an award requires. Money is whole yen (BIGINT): a
-- subsidy is computed as floor(spend × numerator / denominator), so 2/3 of 300,000 is 200,000, not
-- 199,999 as a float rate would give.

-- 費目: the administrator's list; programmes allow a subset.
CREATE TABLE funding_categories (
    category_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    personnel BOOLEAN NOT NULL DEFAULT false  -- 人件費: what personnel_cap bounds
);
INSERT INTO funding_categories VALUES
    ('personnel', '人件費', 'Personnel', 1, true),
    ('equipment', '設備備品費', 'Equipment', 2, false),
    ('supplies', '消耗品費', 'Supplies', 3, false),
    ('travel', '旅費', 'Travel', 4, false),
    ('outsourcing', '外注費・委託費', 'Outsourcing', 5, false),
    ('other', 'その他', 'Other', 6, false),
    ('indirect', '間接経費', 'Indirect costs', 7, false);

CREATE TABLE programmes (
    programme_code VARCHAR PRIMARY KEY,
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR,
    funder VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('subsidy', 'commission', 'grant', 'grant_in_aid')),
    rate_numerator BIGINT NOT NULL CHECK (rate_numerator > 0),
    rate_denominator BIGINT NOT NULL CHECK (rate_denominator >= rate_numerator),
    cap BIGINT CHECK (cap > 0),  -- 上限額, yen; NULL: none
    cap_per VARCHAR NOT NULL DEFAULT 'award' CHECK (cap_per IN ('award', 'fiscal_year')),
    transfer_limit DOUBLE NOT NULL DEFAULT 0.2 CHECK (transfer_limit >= 0),
    personnel_cap DOUBLE CHECK (personnel_cap > 0 AND personnel_cap <= 1),
    pre_award_spending BOOLEAN NOT NULL DEFAULT false,
    report_days INTEGER NOT NULL DEFAULT 30 CHECK (report_days >= 0),
    follow_up_years INTEGER NOT NULL DEFAULT 5 CHECK (follow_up_years >= 0)
);

CREATE TABLE programme_categories (
    programme_code VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL,
    PRIMARY KEY (programme_code, category_code)
);

CREATE TABLE funding_calls (
    programme_code VARCHAR NOT NULL,
    fiscal_year INTEGER NOT NULL,
    round INTEGER NOT NULL DEFAULT 1,
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL CHECK (closes_on >= opens_on),
    url VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (programme_code, fiscal_year, round)
);

-- One row per version of an award; version 1 is the application or decision, later versions are
-- stage changes and 変更承認 amendments (reason, approver). The highest version is current.
CREATE SEQUENCE award_version_id;
CREATE TABLE award_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('award_version_id'),
    award_number VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    project_code VARCHAR NOT NULL,
    programme_code VARCHAR NOT NULL,
    call_fiscal_year INTEGER,
    call_round INTEGER,
    decided_on DATE,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL CHECK (ends_on >= starts_on),
    payment_mode VARCHAR NOT NULL CHECK (payment_mode IN ('advance', 'settlement')),
    stage VARCHAR NOT NULL CHECK (stage IN ('applied', 'awarded', 'confirmed', 'rejected', 'withdrawn')),
    amounts STRUCT(fiscal_year INTEGER, amount BIGINT)[] NOT NULL,  -- the decided amount per 年度
    confirmed_amount BIGINT,
    reason VARCHAR NOT NULL DEFAULT '',
    approver VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE VIEW awards AS
SELECT * EXCLUDE (rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY award_number ORDER BY version DESC) AS rank
    FROM award_versions
) WHERE rank = 1;

-- Budget lines: award × 年度 × 費目 × partner → amount, append-only versions.
CREATE SEQUENCE budget_version_id;
CREATE TABLE budget_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('budget_version_id'),
    award_number VARCHAR NOT NULL,
    fiscal_year INTEGER NOT NULL,
    category_code VARCHAR NOT NULL,
    organization_code VARCHAR NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    reason VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
-- arg_max, not a window: a GROUP BY reads a million budget lines several times faster.
CREATE VIEW budget_lines AS
SELECT award_number, fiscal_year, category_code, organization_code, arg_max(amount, id) AS amount
FROM budget_versions GROUP BY award_number, fiscal_year, category_code, organization_code;

-- Expenditures: award × 費目 × partner × payment date × evidence (証憑番号) → amount, tax included.
-- Imported in batches (import_batches.kind = 'expenditures') and rolled back like actuals; a NULL
-- amount withdraws the key.
CREATE SEQUENCE expenditure_version_id;
CREATE TABLE expenditure_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('expenditure_version_id'),
    award_number VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL,
    organization_code VARCHAR NOT NULL,
    paid_on DATE NOT NULL,
    evidence VARCHAR NOT NULL DEFAULT '',
    amount BIGINT,
    description VARCHAR NOT NULL DEFAULT '',
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    batch_id BIGINT,
    -- A rollback's version (source 'rollback'): the version whose amount it puts back, NULL when it
    -- withdraws the key; so a later rollback of an older batch knows what is current in effect.
    restored_version BIGINT
);
CREATE VIEW expenditures AS
SELECT id AS version_id, award_number, category_code, organization_code, paid_on, evidence, amount,
       description, batch_id
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY award_number, category_code, organization_code, paid_on, evidence ORDER BY id DESC
    ) AS rank
    FROM expenditure_versions
) WHERE rank = 1 AND amount IS NOT NULL;

ALTER TABLE import_batches ADD COLUMN kind VARCHAR DEFAULT 'actuals';
UPDATE import_batches SET kind = 'actuals';

-- Money received (入金): award × date → amount, versions.
CREATE SEQUENCE payment_version_id;
CREATE TABLE payment_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('payment_version_id'),
    award_number VARCHAR NOT NULL,
    received_on DATE NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE VIEW payments AS
SELECT award_number, received_on, amount FROM (
    SELECT *, row_number() OVER (PARTITION BY award_number, received_on ORDER BY id DESC) AS rank
    FROM payment_versions
) WHERE rank = 1;

-- Reporting duties are generated from the award and its programme (kpi/funding/obligations.py);
-- what is stored is their submission.
CREATE TABLE obligation_submissions (
    award_number VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('final_report', 'annual_report', 'commercialization_report')),
    due_on DATE NOT NULL,
    submitted_on DATE NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (award_number, kind, due_on)
);

-- KPIs of the award's project that the award requires (the 効果検証 export and the report group them).
CREATE TABLE award_kpis (
    award_number VARCHAR NOT NULL,
    kpi_code VARCHAR NOT NULL,
    PRIMARY KEY (award_number, kpi_code)
);
