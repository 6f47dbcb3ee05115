-- The Zalo OA's webhook inbox becomes durable (bot/channels/zalo_oa.py): an event is handed on
-- under a lease and marked done with the COMMIT of its turn, so an event in hand when the
-- process stops or dies is handled again after the restart (once: a turn that committed has
-- marked it done). Before, an event was marked taken when handed on, and lost if the process
-- stopped before its turn.
-- The follower an event is about: while one process has an event of theirs in hand, no other
-- takes their later ones (each follower's events are handled in order, one at a time, even by
-- several `ketnoi run` sharing the database).
ALTER TABLE zalo_oa_inbox ADD COLUMN follower TEXT;
ALTER TABLE zalo_oa_inbox ADD COLUMN taken_by TEXT;       -- the process handling it now
ALTER TABLE zalo_oa_inbox ADD COLUMN taken_until TEXT;    -- its lease, renewed while in hand
ALTER TABLE zalo_oa_inbox ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zalo_oa_inbox ADD COLUMN done_at TEXT;        -- its turn committed (or it needed none)
-- Events taken under the old rule were handed on already.
UPDATE zalo_oa_inbox SET done_at = taken_at WHERE taken_at IS NOT NULL;
DROP INDEX zalo_oa_inbox_pending;
CREATE INDEX zalo_oa_inbox_open ON zalo_oa_inbox(done_at, id);
CREATE INDEX zalo_oa_inbox_follower ON zalo_oa_inbox(follower, id);
