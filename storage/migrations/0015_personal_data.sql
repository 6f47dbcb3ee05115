-- Personal data rights (Law on Personal Data Protection, 91/2025/QH15): the consent each
-- person gave (which version of the text, when, on which app), the requests people make about
-- their data, and how long each kind of data is kept.

-- The version of the consent text (bot/domain/consent.py) the registration was made or last
-- confirmed under; NULL: registered before the text had versions, asked again at the next change.
ALTER TABLE enterprises ADD COLUMN consent_version TEXT;

-- Every consent given, per account (so it follows /lien_ket); removed with the account's data.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    version     TEXT NOT NULL,                         -- bot.domain.consent.CONSENT_VERSION
    channel     TEXT NOT NULL,                         -- telegram | zalo | console
    given_at    TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX consents_account ON consents(account_id);

-- Requests about one's own data, for staff to see: who (a pseudonym that survives erasure, never
-- the person's data), what, when, and when it was done. The account id is kept only while the
-- account exists.
CREATE TABLE data_requests (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER,                              -- NULL once the account is erased
    subject      TEXT NOT NULL,                        -- 'P-3fa9c2d17b': HMAC of the account id
    kind         TEXT NOT NULL,                        -- copy | erase | restrict
    channel      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'done',         -- done | waiting (for staff)
    requested_at TEXT NOT NULL,
    due_at       TEXT,                                 -- staff must have acted by then
    reminded_at  TEXT,                                 -- the last reminder to staff
    done_at      TEXT,
    done_by      INTEGER REFERENCES users(id),         -- the member of staff; NULL: the bot
    outcome      TEXT                                  -- JSON: what was removed and what remains, counts only
);
CREATE INDEX data_requests_status ON data_requests(status, due_at);
CREATE INDEX data_requests_account ON data_requests(account_id);

-- How long each kind of data is kept, in days (bot/services/retention.py applies them once a
-- day; `ketnoi data retention` shows them and what the next run would remove).
CREATE TABLE retention_rules (
    kind    TEXT PRIMARY KEY,
    days    INTEGER NOT NULL CHECK (days >= 0),
    active  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO retention_rules (kind, days) VALUES
    ('unfinished_conversations', 7),     -- answers of a flow left unfinished
    ('rejected_registrations', 365),     -- a registration not approved and not changed since
    ('never_registered', 365),           -- people who wrote but never registered, not seen since
    ('delivered_messages', 30),          -- message bodies in the outbox once sent (or given up)
    ('questions', 365),                  -- free-text questions typed to the bot
    ('link_codes', 1),                   -- /lien_ket codes and wrong tries, after expiry
    ('data_requests', 1825),             -- the record of requests, once done (5 years)
    ('audit_log', 1825);                 -- staff actions (5 years)

-- Each daily run of the rules, with how many rows of each kind it removed (JSON).
CREATE TABLE retention_runs (
    id          INTEGER PRIMARY KEY,
    ran_at      TEXT NOT NULL,
    removed     TEXT NOT NULL
);
