-- PostgreSQL twin of storage/migrations/0007_links.sql (same number, same objects; the
-- differences: ids are identity columns, INTEGER is BIGINT, REAL is DOUBLE PRECISION).

-- /lien_ket (/link): one-time codes that join a person's identities on two apps into one
-- account (users.account_id), and the wrong codes each identity typed (brute-force limit).

-- A code lives 10 minutes and is deleted when used; each identity has at most one.
CREATE TABLE link_codes (
    code        TEXT PRIMARY KEY,                       -- 6 digits
    user_id     BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX link_codes_expiry ON link_codes(expires_at);

-- Wrong codes since first_at; at the limit the identity waits until locked_until.
CREATE TABLE link_tries (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    failures     BIGINT NOT NULL DEFAULT 0,
    first_at     TEXT NOT NULL,
    locked_until TEXT
);
