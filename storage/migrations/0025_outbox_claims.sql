-- Which process claimed an outbox row, and when it handed the row to the platform: with several
-- processes on one database, a row claimed by a process that died is taken over if it never
-- reached the platform (handed_at NULL), and marked 'unknown' (never sent twice) if it did.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN handed_at TEXT;
