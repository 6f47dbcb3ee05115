-- PostgreSQL twin of storage/migrations/0023_web_sign_in_failures.sql (same number, same
-- objects; no differences: TEXT timestamps (ISO 8601, UTC), as in the SQLite schema).

-- Failed sign-ins to the staff pages, by address (bot/channels/web/auth.py), shared by every
-- process on the database; the address only as an HMAC with the site's key.
CREATE TABLE web_sign_in_failures (
    address_hash TEXT NOT NULL,                         -- HMAC-SHA256 hex of the address
    failed_at    TEXT NOT NULL
);
CREATE INDEX web_sign_in_failures_address ON web_sign_in_failures(address_hash, failed_at);
CREATE INDEX web_sign_in_failures_age ON web_sign_in_failures(failed_at);
