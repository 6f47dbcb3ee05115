-- The PostgreSQL twin of storage/migrations/0023_web_sign_in_failures.sql: failed sign-ins to
-- the staff pages by (hashed) address, shared by every process. Timestamps are TEXT (ISO 8601,
-- UTC), as in the SQLite schema.
CREATE TABLE web_sign_in_failures (
    address_hash TEXT NOT NULL,
    failed_at    TEXT NOT NULL
);
CREATE INDEX web_sign_in_failures_address ON web_sign_in_failures(address_hash, failed_at);
CREATE INDEX web_sign_in_failures_age ON web_sign_in_failures(failed_at);
