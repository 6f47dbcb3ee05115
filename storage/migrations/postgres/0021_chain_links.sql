-- PostgreSQL 15 twin of storage/migrations/0021_chain_links.sql (same number, same columns;
-- identity ids, BIGINT keys, timestamps as TEXT in UTC as the SQLite schema keeps them).
-- The network connects (issue 20): members who chose to be found, the requests to connect they
-- send each other (the links the Department counts), blocks, reports to staff, and the
-- half-hour meeting slots exhibitors offer at a fair.

-- Whether other members may find the establishment (0: no, the default), and what they are
-- shown of it: a JSON array of keys of storage/enterprises.py SHOWN. The phone and the tax code
-- are never among them: the phone is given only when a request is accepted.
ALTER TABLE enterprises ADD COLUMN findable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enterprises ADD COLUMN shown TEXT NOT NULL
    DEFAULT '["name","kind","roles","sectors","place","products","ocop_stars"]';

-- A request to connect, from one member to another, with its one-line reason. The pair of
-- roles along the chain ('supplier>producer', 'producer>distributor'…) and the craft are fixed
-- when it is sent, so the Department's figures survive the members' erasure (their ids and the
-- reason are emptied then; bot/domain/personal_data.py, storage/erasure.py).
CREATE TABLE connection_requests (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_id        BIGINT REFERENCES enterprises(id) ON DELETE SET NULL,
    to_id          BIGINT REFERENCES enterprises(id) ON DELETE SET NULL,
    reason         TEXT,
    status         TEXT NOT NULL DEFAULT 'open',   -- open|accepted|declined|cancelled
    chain_pair     TEXT NOT NULL,                  -- 'supplier>producer', upstream role first
    sector         TEXT,                           -- a key of bot/domain/sectors.py, or NULL
    created_at     TEXT NOT NULL,
    decided_at     TEXT
);
CREATE INDEX connection_requests_from ON connection_requests(from_id, created_at);
CREATE INDEX connection_requests_to ON connection_requests(to_id, status);
CREATE INDEX connection_requests_created ON connection_requests(created_at);

-- A member who does not want to hear from another: they no longer find each other, and no
-- request passes between them.
CREATE TABLE member_blocks (
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    blocked_id     BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, blocked_id)
);

-- A member reported to staff by another, with why (as typed).
CREATE TABLE member_reports (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id    BIGINT REFERENCES enterprises(id) ON DELETE CASCADE,
    reported_id    BIGINT REFERENCES enterprises(id) ON DELETE CASCADE,
    reason         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    seen_by        BIGINT REFERENCES users(id),   -- the member of staff who dealt with it
    seen_at        TEXT
);
CREATE INDEX member_reports_reported ON member_reports(reported_id);

-- A half-hour slot an exhibitor (an approved booth at the fair) offers for meetings; a buyer
-- (another member) takes it. Both are reminded an hour before (handlers/meetings.py).
CREATE TABLE meeting_slots (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fair_id        BIGINT NOT NULL REFERENCES fairs(id) ON DELETE CASCADE,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
    starts_at      TEXT NOT NULL,                  -- UTC; the slot lasts 30 minutes
    buyer_id       BIGINT REFERENCES enterprises(id) ON DELETE SET NULL,
    reason         TEXT,                           -- the buyer's one line
    booked_at      TEXT,
    UNIQUE (enterprise_id, starts_at)
);
CREATE INDEX meeting_slots_fair ON meeting_slots(fair_id, starts_at);
CREATE INDEX meeting_slots_buyer ON meeting_slots(buyer_id);

-- Requests decided (or left open) two years ago: the parties and the reason are emptied, the
-- counts stay (storage/retention.py).
INSERT INTO retention_rules (kind, days) VALUES ('connection_requests', 730);
