-- Reporting freshness: days after a fiscal quarter's end before a missing report counts as overdue.
INSERT INTO settings VALUES ('reminder_grace_days', '30') ON CONFLICT (key) DO NOTHING;
