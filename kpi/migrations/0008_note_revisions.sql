-- Note revisions (SPEC 2 `combine`): a changed note on an unchanged value is kept as a revision of
-- the current version rather than as a new version, so it does not make the report more recent for
-- combine = latest (actual_current is untouched). A version's note is its latest revision's note
-- (highest id), else the version's own. Append-only like the versions; a rollback appends the note
-- before the batch (source 'rollback'); only an administrator's audited purge blanks a note's text.
CREATE SEQUENCE actual_note_revision_id;
CREATE TABLE actual_note_revisions (
    id BIGINT PRIMARY KEY DEFAULT nextval('actual_note_revision_id'),
    version_id BIGINT NOT NULL,          -- actual_versions.id (no foreign key, as in 0001)
    note VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,             -- form, import, rollback
    batch_id BIGINT                      -- the import batch that sent it
);
