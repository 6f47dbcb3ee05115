-- Users (one row per platform identity) and their durable conversation state.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    -- identities joined by /lien_ket share the account of the first; unlinked: own id
    account_id      INTEGER REFERENCES users(id),
    channel         TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    display_name    TEXT,
    locale          TEXT,
    phone           TEXT,
    reminders_on    INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    blocked_at      TEXT,
    UNIQUE (channel, external_id)
);
CREATE INDEX users_account ON users(account_id);

CREATE TABLE conversations (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    flow        TEXT,
    step        TEXT,
    data        TEXT NOT NULL DEFAULT '{}',
    last_menu   TEXT NOT NULL DEFAULT '[]',
    started_at  TEXT,
    updated_at  TEXT NOT NULL,
    nudged_at   TEXT
);
CREATE INDEX conversations_flow ON conversations(flow, updated_at);
