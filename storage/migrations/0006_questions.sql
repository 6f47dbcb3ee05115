-- FAQ entries (loaded from data/faq.yaml when empty; `ketnoi faq import FILE` updates by key)
-- and the log of free-text questions, so staff see what the bot could not answer.

CREATE TABLE faq (
    key         TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,                 -- order of the topics in /hoi_dap
    questions   TEXT NOT NULL,                    -- JSON {"vi": [...], "en": [...]}
    answer_vi   TEXT NOT NULL,
    answer_en   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,                    -- as typed
    folded      TEXT NOT NULL,                    -- bot.textnorm.fold(text): groups repeats
    intent      TEXT,                             -- what was answered; NULL: not answered
    guess       TEXT,                             -- the best intent even when not answered
    score       REAL NOT NULL,
    user_hash   TEXT NOT NULL,                    -- bot.router.user_hash, never the raw id
    created_at  TEXT NOT NULL
);
CREATE INDEX questions_unanswered ON questions(intent, folded);
