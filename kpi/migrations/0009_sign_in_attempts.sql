-- Sign-in attempts (issue 15): an attempt takes its place before the password is verified, in the
-- transaction that counts the name's recent failures. DuckDB's concurrency is optimistic: two
-- transactions that each count and then insert do not conflict, so every attempt on a name also
-- updates that name's one row in sign_in_names; concurrent attempts then conflict there and are run
-- again (Database.write), and the count is always taken and raised as one step.
CREATE TABLE sign_in_names (
    username VARCHAR PRIMARY KEY,        -- as typed at sign-in, normalized; accounts or not
    attempts BIGINT NOT NULL,            -- places taken so far: numbers this name's attempts
    changed_at TIMESTAMP NOT NULL
);

-- One row per attempt still counted: 'pending' while its password is being verified (it counts
-- against the lock meanwhile), 'failed' once refused. A success deletes its own row and the failures
-- decided before it took its place, never later ones. Rows older than a day are pruned.
CREATE TABLE sign_in_attempts (
    username VARCHAR NOT NULL,
    attempt BIGINT NOT NULL,             -- sign_in_names.attempts when this one took its place
    started_at TIMESTAMP NOT NULL,
    outcome VARCHAR NOT NULL CHECK (outcome IN ('pending', 'failed'))
);

INSERT INTO sign_in_names
SELECT username, count(*), max(failed_at) FROM sign_in_failures GROUP BY username;
INSERT INTO sign_in_attempts
SELECT username, row_number() OVER (PARTITION BY username ORDER BY failed_at), failed_at, 'failed'
FROM sign_in_failures;
DROP TABLE sign_in_failures;
