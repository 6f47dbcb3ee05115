-- PostgreSQL twin of storage/migrations/0009_reply_lane.sql (same number, same objects; the
-- differences: ids are identity columns, INTEGER is BIGINT, REAL is DOUBLE PRECISION).

-- Replies the platform did not take at once (5xx, a timeout, 429 after 429) wait in the outbox
-- in lane 'reply' and leave in order, one at a time per person (bot/dispatch.py, bot/outbox.py):
-- a person's unsent replies are looked up by user, and are few.
CREATE INDEX outbox_replies ON outbox(user_id, id)
    WHERE lane = 'reply' AND status IN ('pending', 'sending');
