-- The fair calendar, booth applications with their waiting list, who asked to be reminded of a
-- fair, and the generated key that signs check-in QR codes.
-- Times are UTC ISO-8601; apply_by is a local calendar date (applications close at its end).

CREATE TABLE fairs (
    id                  INTEGER PRIMARY KEY,
    key                 TEXT NOT NULL UNIQUE,              -- 'gom-su-kim-lan-2026', used in links
    title_vi            TEXT NOT NULL,
    title_en            TEXT NOT NULL,
    sectors             TEXT NOT NULL DEFAULT '[]',        -- JSON array of bot/sectors.py keys
    starts_at           TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    venue_name          TEXT NOT NULL,
    venue_address       TEXT NOT NULL,
    venue_latitude      REAL NOT NULL,
    venue_longitude     REAL NOT NULL,
    booths              INTEGER NOT NULL CHECK (booths >= 0),
    apply_by            TEXT NOT NULL,                     -- 'YYYY-MM-DD', local
    max_booths          INTEGER NOT NULL DEFAULT 2 CHECK (max_booths >= 1),
    description_vi      TEXT NOT NULL DEFAULT '',
    description_en      TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'scheduled', -- scheduled | cancelled
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX fairs_time ON fairs(ends_at, starts_at);

-- One live application per establishment and fair. Booths are held by allocated, offered and
-- approved applications; waitlisted ones queue in id (arrival) order.
CREATE TABLE booth_applications (
    id                  INTEGER PRIMARY KEY,
    fair_id             INTEGER NOT NULL REFERENCES fairs(id) ON DELETE CASCADE,
    enterprise_id       INTEGER NOT NULL REFERENCES enterprises(id),
    account_id          INTEGER NOT NULL,                  -- the owner (users.account_id)
    booths              INTEGER NOT NULL CHECK (booths >= 1),
    products            TEXT NOT NULL,
    needs               TEXT NOT NULL DEFAULT '',          -- electricity, water… as typed
    -- allocated|waitlisted|offered|approved|rejected|withdrawn|declined|expired
    status              TEXT NOT NULL,
    booth_numbers       TEXT,                              -- JSON array, set on approval
    reason              TEXT,                              -- why it was rejected
    offer_expires_at    TEXT,
    checked_in_at       TEXT,
    decided_by          INTEGER REFERENCES users(id),      -- the admin who approved or rejected
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX booth_applications_live ON booth_applications(fair_id, enterprise_id)
    WHERE status IN ('allocated', 'waitlisted', 'offered', 'approved', 'rejected');
CREATE INDEX booth_applications_fair ON booth_applications(fair_id, status, id);
CREATE INDEX booth_applications_account ON booth_applications(account_id);
CREATE INDEX booth_applications_offers ON booth_applications(status, offer_expires_at);

-- "Remind me" on a fair's card.
CREATE TABLE fair_follows (
    fair_id             INTEGER NOT NULL REFERENCES fairs(id) ON DELETE CASCADE,
    account_id          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (fair_id, account_id)
);

-- Secrets the process generates once and keeps (the check-in signing key when
-- KETNOI_CHECKIN_SECRET is not set).
CREATE TABLE signing_keys (
    name                TEXT PRIMARY KEY,
    secret              TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
