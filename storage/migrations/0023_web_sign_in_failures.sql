-- Failed sign-ins to the staff pages, by address (bot/channels/web/auth.py): after 20 within
-- 10 minutes that address is told to wait. Kept here, not in each process's memory, so that a
-- restart does not reset the count and several `ketnoi run` sharing the database count
-- together. The address is kept only as an HMAC with the site's key (unlinkable from the
-- database alone), and a row goes once it is 10 minutes old.
CREATE TABLE web_sign_in_failures (
    address_hash TEXT NOT NULL,                         -- HMAC-SHA256 hex of the address
    failed_at    TEXT NOT NULL
);
CREATE INDEX web_sign_in_failures_address ON web_sign_in_failures(address_hash, failed_at);
CREATE INDEX web_sign_in_failures_age ON web_sign_in_failures(failed_at);
