-- Accounts and roles: who signs in, with which role, for which organization (SPEC section 1).
-- Rules that need the registry (a lead or partner belongs to an existing organization) are checked
-- in kpi/accounts.py; no foreign key, because DuckDB refuses to update a referenced organization.
CREATE TABLE accounts (
    username VARCHAR PRIMARY KEY,        -- lower case, the name typed at sign-in
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('administrator', 'executive', 'lead', 'partner')),
    organization_code VARCHAR,           -- a lead's or a partner's organization
    email VARCHAR UNIQUE,                -- the OpenID Connect identity, when sign-in goes through it
    password_hash VARCHAR,               -- argon2id (salt inside); NULL: OpenID Connect only
    language VARCHAR CHECK (language IN ('ja', 'en')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP
);

-- Failed sign-ins, kept briefly: too many in a window lock the name for a while.
CREATE TABLE sign_in_failures (
    username VARCHAR NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
