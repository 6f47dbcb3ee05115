-- The web pages: staff log in with one-time links and keep a session; the registrations list
-- filters by craft, tag and words without scanning JSON or folding text on every request;
-- announcements can wait for a set time; producers imported from the Department's lists get
-- an invitation to claim their registration.

-- A link lives 10 minutes and opens one session. Only a hash of the token is kept, so the
-- database alone does not let anyone in.
CREATE TABLE web_logins (
    token_hash  TEXT PRIMARY KEY,                       -- sha256 hex of the token in the link
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX web_logins_expiry ON web_logins(expires_at);

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,                       -- sha256 hex of the cookie's token
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,                          -- the token every form carries
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT                                    -- logged out
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- Staff's own labels on registrations ("đã gọi điện").
CREATE TABLE enterprise_tags (
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, tag)
);
CREATE INDEX enterprise_tags_tag ON enterprise_tags(tag, enterprise_id);

-- enterprises.sectors (a JSON array) as rows, kept by triggers: filtering 200,000
-- registrations by craft through json_each took a scan of every row.
CREATE TABLE enterprise_sectors (
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    sector        TEXT NOT NULL,
    PRIMARY KEY (sector, enterprise_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO enterprise_sectors (enterprise_id, sector)
    SELECT e.id, j.value FROM enterprises e, json_each(e.sectors) j;
CREATE TRIGGER enterprise_sectors_insert AFTER INSERT ON enterprises BEGIN
    INSERT OR IGNORE INTO enterprise_sectors (enterprise_id, sector)
        SELECT new.id, value FROM json_each(new.sectors);
END;
CREATE TRIGGER enterprise_sectors_update AFTER UPDATE OF sectors ON enterprises BEGIN
    DELETE FROM enterprise_sectors WHERE enterprise_id = old.id;
    INSERT OR IGNORE INTO enterprise_sectors (enterprise_id, sector)
        SELECT new.id, value FROM json_each(new.sectors);
END;
CREATE TRIGGER enterprise_sectors_delete AFTER DELETE ON enterprises BEGIN
    DELETE FROM enterprise_sectors WHERE enterprise_id = old.id;
END;

-- What the staff's search compares with: name, contact, reference, phone and tax code folded
-- (no diacritics, lower case; bot.domain.textnorm.fold), and their substrings three characters
-- at a time (FTS5's trigram tokenizer), so that "phu vinh" or "0912" is found among 200,000
-- without reading them all. Folding is Python's: storage/registrations.py fills the text (and
-- the index) of what has none before it searches; a trigger takes a changed or erased
-- registration out of the index and clears its text, so no stale copy of a phone stays behind.
-- The index is kept by those two hands, not by a trigger on every write of the text: indexing
-- row by row cost 1-3 ms a registration once the index was large, 'rebuild' 0.3 s for 20,000.
ALTER TABLE enterprises ADD COLUMN search_text TEXT;
CREATE INDEX enterprises_unindexed ON enterprises(id) WHERE search_text IS NULL;
CREATE INDEX enterprises_submitted ON enterprises(submitted_at, id);
CREATE VIRTUAL TABLE enterprise_search USING fts5(
    search_text, content = 'enterprises', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER enterprises_search_stale
    AFTER UPDATE OF name, contact_name, reference, phone, tax_code ON enterprises
    WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO enterprise_search (enterprise_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    UPDATE enterprises SET search_text = NULL WHERE id = new.id;
END;
CREATE TRIGGER enterprise_search_delete AFTER DELETE ON enterprises
    WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO enterprise_search (enterprise_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;

-- A record's history on the staff pages: its audit entries.
CREATE INDEX audit_log_target ON audit_log(target, id);

-- An announcement queued to go at a set time (its messages wait until then); NULL: at once.
ALTER TABLE broadcasts ADD COLUMN send_at TEXT;

-- Producers imported from the Department's Excel lists: their answers wait here until the
-- producer opens the invitation link in the chat, agrees, and so registers with their account.
CREATE TABLE invitations (
    code          TEXT PRIMARY KEY,                     -- in the link: ?start=moi_CODE
    fields        TEXT NOT NULL,                        -- JSON of EnterpriseFields
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    used_by       INTEGER REFERENCES users(id),         -- the identity that claimed it
    used_at       TEXT,
    enterprise_id INTEGER REFERENCES enterprises(id) ON DELETE SET NULL
);
