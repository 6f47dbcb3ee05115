-- The Department's Zalo Official Account (bot/channels/zalo_oa.py).

-- Its tokens: one row, replaced whole. Zalo's refresh token works once, so exactly one process
-- may refresh: it takes the lease (refreshing_by, until refreshing_until) with a conditional
-- UPDATE, and stores the new pair with the next generation in one statement; the others wait
-- for the generation to change. `seed` is a hash of the KETNOI_ZALO_OA_REFRESH_TOKEN the row
-- began from: a new one in the environment (after re-authorising the app) starts it again.
CREATE TABLE zalo_oa_tokens (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    seed              TEXT NOT NULL,
    access_token      TEXT,
    expires_at        TEXT,              -- of the access token (UTC)
    refresh_token     TEXT NOT NULL,
    generation        INTEGER NOT NULL DEFAULT 0,
    refreshing_by     TEXT,
    refreshing_until  TEXT,
    refreshed_at      TEXT,
    updated_at        TEXT NOT NULL
);

-- What the OA knows of each follower, by their Zalo user id (users.external_id of channel
-- 'zalo_oa'; the row may come before the router creates the user): when they last did
-- something (Zalo's 48-hour and 7-day windows count from it) and the phone they shared through
-- the request-for-information card, with when they shared it (their consent to notices by
-- template message). It goes with the user's row.
CREATE TABLE zalo_oa_contacts (
    external_id          TEXT PRIMARY KEY,
    last_interaction_at  TEXT,
    phone                TEXT,              -- 84…, as Zalo sends it
    shared_name          TEXT,
    phone_consent_at     TEXT,
    updated_at           TEXT NOT NULL
);
CREATE TRIGGER zalo_oa_contacts_gone AFTER DELETE ON users WHEN old.channel = 'zalo_oa'
BEGIN
    DELETE FROM zalo_oa_contacts WHERE external_id = old.external_id;
    DELETE FROM zalo_oa_inbox WHERE instr(body, old.external_id) > 0;
END;
-- An erasure keeps the user's row under a random address (storage/erasure.py): the OA's data
-- of the old address goes.
CREATE TRIGGER zalo_oa_contacts_erased AFTER UPDATE OF external_id ON users
WHEN old.channel = 'zalo_oa' AND new.external_id != old.external_id
BEGIN
    DELETE FROM zalo_oa_contacts WHERE external_id = old.external_id;
    DELETE FROM zalo_oa_inbox WHERE instr(body, old.external_id) > 0;
END;

-- Webhook events as received: answered 200 at once, handled in order by a worker. The key (the
-- message id, or the event, sender and time) makes Zalo's retries of one event a single row.
CREATE TABLE zalo_oa_inbox (
    id           INTEGER PRIMARY KEY,
    event_key    TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    taken_at     TEXT                     -- handed to the router (at most once)
);
CREATE INDEX zalo_oa_inbox_pending ON zalo_oa_inbox(taken_at, id);

-- Every template message tried (ZBS Template Message, paid per message), for /thong_ke; who
-- it went to is not kept here.
CREATE TABLE zalo_oa_template_messages (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,           -- the notice kind (bot/core/notices.py)
    template_id  TEXT NOT NULL,
    tracking_id  TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL,           -- sent | failed
    cost         INTEGER NOT NULL DEFAULT 0,  -- VND, when sent
    error        TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX zalo_oa_template_messages_at ON zalo_oa_template_messages(created_at);

-- Customer-service messages sent between 48 hours and 7 days after the person's last action:
-- free before, counted against the OA's quota after (the outbox still sends them), per day.
CREATE TABLE zalo_oa_paid_messages (
    day       TEXT PRIMARY KEY,           -- UTC date
    messages  INTEGER NOT NULL
);
