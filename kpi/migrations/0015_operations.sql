-- Operations (SPEC section 9): reminder e-mails and their log, each organization's contact address,
-- how long a reminder is not repeated, and how many backups a folder keeps.

-- The address (and language) a partner organization's reminders go to; accounts have their own
-- `email` and `language` (migration 0006).
ALTER TABLE organizations ADD COLUMN contact_email VARCHAR;
ALTER TABLE organizations ADD COLUMN contact_language VARCHAR;  -- 'ja' or 'en'; NULL: Japanese

INSERT INTO settings VALUES
    ('reminder_repeat_days', '7'),  -- a contact sent a digest is not sent another for this many days
    ('backup_keep', '14')  -- `backup` keeps this many backups in its folder (older ones are deleted)
    ON CONFLICT (key) DO NOTHING;

-- Every reminder e-mail tried: sent or failed (a failed one is tried again on the next run).
CREATE SEQUENCE reminder_send_id;
CREATE TABLE reminder_sends (
    id BIGINT PRIMARY KEY DEFAULT nextval('reminder_send_id'),
    attempted_at TIMESTAMP NOT NULL,  -- the machine's clock
    sent_on DATE NOT NULL,  -- today's date as the product sees it ($KPI_TODAY): the no-repeat rule reads it
    as_of DATE NOT NULL,  -- the date the digest was made for
    recipient VARCHAR NOT NULL,  -- an e-mail address
    organization_codes VARCHAR[] NOT NULL,
    language VARCHAR NOT NULL CHECK (language IN ('ja', 'en')),
    subject VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    items INTEGER NOT NULL,  -- how many things owed the digest lists
    status VARCHAR NOT NULL CHECK (status IN ('sent', 'failed')),
    error VARCHAR NOT NULL DEFAULT '',
    actor VARCHAR NOT NULL
);
