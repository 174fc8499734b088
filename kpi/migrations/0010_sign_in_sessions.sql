-- Sign-in sessions (issue 16): a local sign-in survives a reload and a new tab for a working day.
-- The browser keeps a cookie with a random id, signed and time-stamped with the secret below; the
-- server keeps only the id's SHA-256 here, so a copy of the database cannot sign anyone in. Sign-out,
-- "sign out everywhere", a deactivation and an administrator's password reset set revoked_at.
CREATE TABLE sign_in_sessions (
    id_hash VARCHAR PRIMARY KEY,         -- hex SHA-256 of the random id in the cookie
    username VARCHAR NOT NULL,           -- accounts.username (no foreign key: DuckDB would refuse updates)
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,       -- created_at + kpi.sessions.SESSION_HOURS: never extended
    last_seen_at TIMESTAMP NOT NULL,     -- the last resume, to within kpi.sessions.LAST_SEEN_RESOLUTION
    revoked_at TIMESTAMP,
    revoked_reason VARCHAR CHECK (revoked_reason IN ('sign_out', 'everywhere', 'deactivated', 'password'))
);

-- The cookie's signing secret: one row, made by the first sign-in (kpi/sessions.py, Python's secrets
-- module), so every server process on this database signs and checks alike. Not in `settings`: those
-- are shown and fingerprinted; this never leaves the server.
CREATE TABLE session_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);
