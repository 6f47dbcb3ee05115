-- The Department's staff: roles granted by the owners (KETNOI_ADMINS, never stored here), and
-- the audit log of what staff did and of what others tried to do.

-- A role belongs to an account (users.account_id), so it follows /lien_ket; the key is
-- (account_id, role), not account_id alone, so that linking two staff identities keeps both
-- rows (the higher role counts) instead of looking like two registrations.
CREATE TABLE staff_roles (
    account_id  INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'viewer')),
    granted_by  INTEGER REFERENCES users(id),
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

-- Append-only. The actor is an identity (users.id) and a snapshot of how it read at the time;
-- deliberately no account_id column, so that /lien_ket never rewrites history.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id),          -- NULL: the command line on the server
    actor       TEXT NOT NULL,                         -- 'telegram:123 (Lan)' or 'cli'
    role        TEXT,                                  -- the actor's role then; NULL: none
    action      TEXT NOT NULL,                         -- 'registration.approve', 'refused', …
    target      TEXT,                                  -- 'enterprise:12', 'fair:7', 'account:4'
    outcome     TEXT NOT NULL DEFAULT 'done',          -- done | refused
    before      TEXT,                                  -- JSON, as it was
    after       TEXT                                   -- JSON, as it became
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
