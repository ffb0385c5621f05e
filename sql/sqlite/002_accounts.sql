-- 002_accounts.sql (SQLite) — accounts and identity: slider captchas, SMS
-- codes, the identity registry (stand-in for the public-security data) and
-- manual identity reviews.  Column-for-column identical to
-- sql/pgsql/002_accounts.sql; conventions as in 001_foundation.sql.

-- Slider captchas.  The token travels (form field, image URLs); only its
-- sha256 is stored.  answer: the gap's x (mode 'slide') or the labelled
-- position 1..6 (mode 'pick', the no-JS fallback).  seed fixes the drawn
-- image.  owner: sha256 of the CSRF token of the page that asked for it,
-- so a challenge solved in one browser cannot be spent in another.
-- Single use: used_at is set by the first answer, right or wrong.
CREATE TABLE captchas (
    id_hash    TEXT    NOT NULL PRIMARY KEY CHECK (length(id_hash) = 64),
    mode       TEXT    NOT NULL CHECK (mode IN ('slide', 'pick')),
    seed       BIGINT  NOT NULL,
    answer     INTEGER NOT NULL,
    owner      TEXT    NOT NULL,
    issued_ms  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT  NULL,
    ip         TEXT    NULL
);
CREATE INDEX captchas_expires_idx ON captchas (expires_at);

-- One-time SMS codes: 'reset' (忘记密码) and 'phone' (修改手机号码, sent to
-- the new number).  code_hash: HMAC of the code under the server secret.
CREATE TABLE sms_codes (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'phone')),
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    phone      TEXT    NOT NULL CHECK (length(phone) = 11),
    code_hash  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    used_at    BIGINT  NULL
);
CREATE INDEX sms_codes_account_idx ON sms_codes (account_id, purpose, created_at);

-- 公安身份信息 stand-in: 实名核验 matches 证件类型 + 证件号码 + 姓名 here.
-- Filled by the back office CSV import and by sql/seed/100_*.sql.
CREATE TABLE identity_registry (
    id          INTEGER PRIMARY KEY,
    id_type     TEXT    NOT NULL,
    id_number   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT 'seed',
    imported_at BIGINT  NULL,
    UNIQUE (id_type, id_number)
);

-- 人工审核 of the identity: photos live under JszgUploadDir (paths here
-- are relative to it).  While a review is 人工审核中 the account has
-- verified = 2 and may not run 实名核验.
CREATE TABLE identity_reviews (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id_type      TEXT    NOT NULL,
    id_number    TEXT    NOT NULL,
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    front_path   TEXT    NULL,
    back_path    TEXT    NULL,
    status       TEXT    NOT NULL DEFAULT '人工审核中'
                 CHECK (status IN ('人工审核中', '审核通过', '审核不通过')),
    submitted_at BIGINT  NOT NULL,
    decided_at   BIGINT  NULL,
    decided_by   TEXT    NULL,
    note         TEXT    NULL
);
CREATE INDEX identity_reviews_status_idx ON identity_reviews (status, submitted_at);
CREATE INDEX identity_reviews_account_idx ON identity_reviews (account_id, submitted_at);
