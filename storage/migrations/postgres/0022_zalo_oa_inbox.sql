-- The PostgreSQL twin of storage/migrations/0022_zalo_oa_inbox.sql: the Zalo OA's webhook
-- inbox becomes durable (an event is handed on under a lease and marked done with the COMMIT
-- of its turn). Timestamps are TEXT (ISO 8601, UTC), as in the SQLite schema.
ALTER TABLE zalo_oa_inbox ADD COLUMN follower TEXT;
ALTER TABLE zalo_oa_inbox ADD COLUMN taken_by TEXT;
ALTER TABLE zalo_oa_inbox ADD COLUMN taken_until TEXT;
ALTER TABLE zalo_oa_inbox ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zalo_oa_inbox ADD COLUMN done_at TEXT;
UPDATE zalo_oa_inbox SET done_at = taken_at WHERE taken_at IS NOT NULL;
DROP INDEX zalo_oa_inbox_pending;
CREATE INDEX zalo_oa_inbox_open ON zalo_oa_inbox(done_at, id);
CREATE INDEX zalo_oa_inbox_follower ON zalo_oa_inbox(follower, id);
