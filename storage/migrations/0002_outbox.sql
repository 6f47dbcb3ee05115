-- Everything sent to someone other than the person typing: notifications, reminders, broadcasts.
-- A row is claimed (status 'sending'), sent, and marked; a row still 'sending' after a crash
-- becomes 'unknown' and is never sent again.

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lane        TEXT NOT NULL DEFAULT 'bulk',          -- 'notice' (one person, soon) | 'bulk'
    replies     TEXT NOT NULL,                         -- JSON list of Reply, in the user's language
    status      TEXT NOT NULL DEFAULT 'pending',       -- pending|sending|sent|failed|blocked|unknown
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    error       TEXT,
    broadcast_id INTEGER
);
CREATE INDEX outbox_due ON outbox(status, not_before);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, status);
