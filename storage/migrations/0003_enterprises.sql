-- Establishments registered into the network: one per account (users.account_id), so that a
-- person who links Telegram and Zalo keeps one registration.
-- roles, sectors and practices are JSON arrays of stable keys (storage/enterprises.py lists
-- them); filter with json_each, e.g.
--   EXISTS (SELECT 1 FROM json_each(enterprises.sectors) WHERE value = 'ceramics')

CREATE TABLE enterprises (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL UNIQUE REFERENCES users(id),
    reference       TEXT UNIQUE,                         -- 'HN-2026-000123', shown to people
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,                       -- household|cooperative|company|individual
    roles           TEXT NOT NULL DEFAULT '[]',          -- supplier|producer|distributor|consumer
    sectors         TEXT NOT NULL DEFAULT '[]',          -- keys of bot/sectors.py
    ward_code       TEXT,                                -- GSO code of a Hanoi ward or commune
    province        TEXT,                                -- province name when outside Hanoi
    address         TEXT,                                -- street and number, optional
    contact_name    TEXT NOT NULL,
    phone           TEXT NOT NULL,                       -- E.164, '+84912345678'
    tax_code        TEXT,                                -- '0100109106', '0100109106-001' or a 12-digit id
    ocop_stars      INTEGER,                             -- 3, 4 or 5; NULL: no OCOP rating
    products        TEXT,
    practices       TEXT NOT NULL DEFAULT '[]',          -- sustainable practices, see PRACTICES
    consent_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',     -- pending|approved|rejected
    reject_reason   TEXT,
    reviewed_by     INTEGER REFERENCES users(id),        -- the admin who approved or rejected
    reviewed_at     TEXT,
    submitted_at    TEXT NOT NULL,                       -- last time it (re)entered 'pending'
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX enterprises_phone ON enterprises(phone);
CREATE INDEX enterprises_tax_code ON enterprises(tax_code);
CREATE INDEX enterprises_status ON enterprises(status, submitted_at);
CREATE INDEX enterprises_ward ON enterprises(ward_code);
