-- PostgreSQL twin of storage/migrations/0014_web.sql (same number, same objects; the
-- differences: ids are identity columns, INTEGER is BIGINT, REAL is DOUBLE PRECISION).

-- The web pages: staff log in with one-time links and keep a session; the registrations list
-- filters by craft, tag and words without scanning JSON or folding text on every request;
-- announcements can wait for a set time; producers imported from the Department's lists get
-- an invitation to claim their registration.

-- A link lives 10 minutes and opens one session. Only a hash of the token is kept, so the
-- database alone does not let anyone in.
CREATE TABLE web_logins (
    token_hash  TEXT PRIMARY KEY,                       -- sha256 hex of the token in the link
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX web_logins_expiry ON web_logins(expires_at);

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,                       -- sha256 hex of the cookie's token
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,                          -- the token every form carries
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT                                    -- logged out
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- Staff's own labels on registrations ("đã gọi điện").
CREATE TABLE enterprise_tags (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, tag)
);
CREATE INDEX enterprise_tags_tag ON enterprise_tags(tag, enterprise_id);

-- enterprises.sectors (a JSON array) as rows, kept by triggers: filtering 200,000
-- registrations by craft through json_each took a scan of every row.
CREATE TABLE enterprise_sectors (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    sector        TEXT NOT NULL,
    PRIMARY KEY (sector, enterprise_id)
);
INSERT INTO enterprise_sectors (enterprise_id, sector)
    SELECT e.id, j.value FROM enterprises e, jsonb_array_elements_text(e.sectors::jsonb) AS j(value)
    ON CONFLICT DO NOTHING;
CREATE FUNCTION enterprise_sectors_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM enterprise_sectors WHERE enterprise_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO enterprise_sectors (enterprise_id, sector)
            SELECT NEW.id, j.value FROM jsonb_array_elements_text(NEW.sectors::jsonb) AS j(value)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enterprise_sectors_insert AFTER INSERT ON enterprises
    FOR EACH ROW EXECUTE FUNCTION enterprise_sectors_keep();
CREATE TRIGGER enterprise_sectors_update AFTER UPDATE OF sectors ON enterprises
    FOR EACH ROW EXECUTE FUNCTION enterprise_sectors_keep();
-- (a deleted registration's rows go by ON DELETE CASCADE)

-- What the staff's search compares with: name, contact, reference, phone and tax code folded
-- (no diacritics, lower case; bot.domain.textnorm.fold), filled by storage/registrations.py
-- before it searches. SQLite indexes it with FTS5; here the search reads it with strpos
-- (search_match, storage/postgres/dialect.py). A changed registration's text is cleared, so
-- no stale copy of a phone stays behind.
ALTER TABLE enterprises ADD COLUMN search_text TEXT;
CREATE INDEX enterprises_unindexed ON enterprises(id) WHERE search_text IS NULL;
CREATE INDEX enterprises_submitted ON enterprises(submitted_at, id);
CREATE FUNCTION enterprises_search_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.search_text IS NOT NULL THEN
        NEW.search_text := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER enterprises_search_stale
    BEFORE UPDATE OF name, contact_name, reference, phone, tax_code ON enterprises
    FOR EACH ROW EXECUTE FUNCTION enterprises_search_stale();

-- A record's history on the staff pages: its audit entries.
CREATE INDEX audit_log_target ON audit_log(target, id);

-- An announcement queued to go at a set time (its messages wait until then); NULL: at once.
ALTER TABLE broadcasts ADD COLUMN send_at TEXT;

-- Producers imported from the Department's Excel lists: their answers wait here until the
-- producer opens the invitation link in the chat, agrees, and so registers with their account.
CREATE TABLE invitations (
    code          TEXT PRIMARY KEY,                     -- in the link: ?start=moi_CODE
    fields        TEXT NOT NULL,                        -- JSON of EnterpriseFields
    created_by    BIGINT REFERENCES users(id),
    created_at    TEXT NOT NULL,
    used_by       BIGINT REFERENCES users(id),         -- the identity that claimed it
    used_at       TEXT,
    enterprise_id BIGINT REFERENCES enterprises(id) ON DELETE SET NULL
);
