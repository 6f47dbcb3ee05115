-- Reminders (their rules, the sectors people follow, feedback answers), broadcasts, and what
-- the sender needs to serve each channel's queue quickly.

-- The sender drains one channel at a time, notices before bulk, oldest first.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT '';
-- 'fair:<key>' for a fair's reminders, so that a date change or a cancellation withdraws
-- the ones still waiting.
ALTER TABLE outbox ADD COLUMN topic TEXT;
UPDATE outbox SET channel = coalesce((SELECT u.channel FROM users u WHERE u.id = outbox.user_id), '');
CREATE INDEX outbox_claim ON outbox(status, channel, lane, not_before);
CREATE INDEX outbox_topic ON outbox(topic, status) WHERE topic IS NOT NULL;

-- /dung (/stop) turns announcements off as well as reminders.
ALTER TABLE users ADD COLUMN broadcasts_on INTEGER NOT NULL DEFAULT 1;

-- Sectors an account follows (fairs are followed in fair_follows).
CREATE TABLE sector_follows (
    account_id  INTEGER NOT NULL,
    sector      TEXT NOT NULL,                          -- a key of bot/sectors.py
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, sector)
);
CREATE INDEX sector_follows_sector ON sector_follows(sector);

-- When reminders go. kind: before_start (anchor: the fair's start), apply_by (the last day to
-- apply; to those who began an application and did not finish), offer_expiring (a waiting-list
-- offer's expiry), feedback (the fair's end; exhibitors are asked how it went).
-- days: calendar days before the anchor's local date (negative: after); at_time: local HH:MM
-- on that day. Without at_time the rule falls `hours` before the anchor moment.
CREATE TABLE reminder_rules (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    days        INTEGER NOT NULL DEFAULT 0,
    at_time     TEXT,
    hours       INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO reminder_rules (kind, days, at_time, hours) VALUES
    ('before_start', 7, '09:00', 0),
    ('before_start', 1, '09:00', 0),
    ('before_start', 0, '07:00', 0),
    ('apply_by', 2, '09:00', 0),
    ('offer_expiring', 0, NULL, 12),
    ('feedback', -1, '10:00', 0);

-- Exhibitors' answers to the question after a fair.
CREATE TABLE fair_feedback (
    fair_id     INTEGER NOT NULL REFERENCES fairs(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL,
    visitors    TEXT,                                   -- a range key: lt50|50_200|200_500|gt500
    come_again  INTEGER,                                -- 1 yes, 0 no
    answered_at TEXT NOT NULL,
    PRIMARY KEY (fair_id, account_id)
);

-- Announcements of the Department; their messages are outbox rows with this broadcast_id.
CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    audience    TEXT NOT NULL,                          -- 'all', 'sector:ceramics', 'fair:KEY'…
    text        TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),           -- NULL when sent from the command line
    total       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'sending',        -- sending | done | cancelled
    progress    TEXT,                                   -- the last progress shown, as JSON
    created_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX broadcasts_status ON broadcasts(status);
