-- 003_wizard.sql (SQLite) — 定期注册 online application: the wizard's
-- server-side drafts, applications and their events, hand-entered
-- certificates, schools (毕业学校), the online-verification tables
-- (年度考核, 培训学时, 师德) and idempotency keys.  Column-for-column
-- identical to sql/pgsql/003_wizard.sql; conventions as in 001.

-- 毕业学校: the list searched in step 2; applicants may add one (新增学校),
-- source = 'user', for staff to tidy up later.
CREATE TABLE schools (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 2 AND 60),
    kind       TEXT    NOT NULL CHECK (kind IN ('普通高等学校', '成人高等学校',
                   '中等师范学校', '中等职业学校', '普通高中', '境外院校', '其他')),
    source     TEXT    NOT NULL DEFAULT 'seed' CHECK (source IN ('seed', 'import', 'user')),
    created_by INTEGER NULL REFERENCES accounts(id) ON DELETE SET NULL,
    created_at BIGINT  NULL
);

-- The wizard's draft: one per account, the steps' values as JSON.
-- step_done = the last completed step (0..5); the draft expires after
-- JSZG_WIZARD_DRAFT_IDLE seconds without activity (updated_at).
-- submit_key: the idempotency key of the final submit (步骤六).
CREATE TABLE wizard_drafts (
    account_id INTEGER NOT NULL PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    step_done  INTEGER NOT NULL DEFAULT 0 CHECK (step_done BETWEEN 0 AND 5),
    data       TEXT    NOT NULL DEFAULT '{}',
    submit_key TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX wizard_drafts_updated_idx ON wizard_drafts (updated_at);

-- 添加教师资格证书信息: certificates the registry cannot sync (issued
-- before 2008, 广西 2012, never first-registered), entered by the holder
-- with a photo (path relative to JszgUploadDir), checked by staff.
CREATE TABLE manual_certificates (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    cert_no        TEXT    NOT NULL CHECK (length(cert_no) IN (15, 17)),
    holder_name    TEXT    NOT NULL,
    id_number      TEXT    NOT NULL,
    issued_on      TEXT    NOT NULL CHECK (issued_on GLOB
                       '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    province_code  TEXT    NOT NULL REFERENCES regions(code),
    city_code      TEXT    NULL REFERENCES regions(code),
    kind           INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 6),
    kind_name      TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    authority_name TEXT    NOT NULL,
    photo_path     TEXT    NOT NULL,
    review_state   TEXT    NOT NULL DEFAULT '待核验'
                   CHECK (review_state IN ('待核验', '核验通过', '核验不通过')),
    created_at     BIGINT  NOT NULL,
    UNIQUE (account_id, cert_no)
);

-- 报名号 running numbers: one row per institution and cycle, bumped
-- inside the submission transaction (the UPDATE serialises submitters).
CREATE TABLE reg_counters (
    institution_id INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    cycle_year     INTEGER NOT NULL,
    last_seq       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (institution_id, cycle_year)
);

-- 定期注册 applications.  Status machine: DESIGN.md.  data holds the
-- snapshot of steps 2-3 (identity, personal information) as submitted.
-- decided_on: the date of the authority's conclusion (54-month rule).
CREATE TABLE applications (
    id             INTEGER PRIMARY KEY,
    reg_no         TEXT    NOT NULL UNIQUE CHECK (length(reg_no) = 20),
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    cert_no        TEXT    NOT NULL CHECK (length(cert_no) IN (15, 17)),
    cert_kind_name TEXT    NOT NULL,
    cert_subject   TEXT    NOT NULL,
    cert_source    TEXT    NOT NULL CHECK (cert_source IN ('registry', 'manual')),
    cycle_year     INTEGER NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    point_id       INTEGER NOT NULL REFERENCES confirmation_points(id),
    stage          TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT '网报待确认' CHECK (status IN ('网报待确认',
                       '确认未通过', '待注册审批', '注册合格', '暂缓注册', '注册不合格')),
    has_message    INTEGER NOT NULL DEFAULT 0 CHECK (has_message IN (0, 1)),
    data           TEXT    NOT NULL,
    photo_path     TEXT    NOT NULL,
    submitted_at   BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    decided_on     TEXT    NULL
);
CREATE INDEX applications_account_idx ON applications (account_id, submitted_at);
CREATE INDEX applications_cert_idx ON applications (cert_no, cycle_year);
CREATE INDEX applications_inst_idx ON applications (institution_id, cycle_year, status);
-- One open application per certificate and cycle, enforced by the engine.
CREATE UNIQUE INDEX applications_open_uq ON applications (cert_no, cycle_year)
    WHERE status IN ('网报待确认', '确认未通过', '待注册审批');

-- Every transition: who, when, from, to, note (and the message shown to
-- the applicant as 有留言, when there is one).
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    at             BIGINT  NOT NULL,
    actor          TEXT    NOT NULL,
    from_status    TEXT    NULL,
    to_status      TEXT    NOT NULL,
    note           TEXT    NULL,
    message        TEXT    NULL
);
CREATE INDEX application_events_app_idx ON application_events (application_id, at);

-- Idempotency keys of state-changing submits: key_hash = sha256 of
-- account id + scope + the client's key.  A replay finds the result.
CREATE TABLE idempotency_keys (
    key_hash   TEXT    NOT NULL PRIMARY KEY CHECK (length(key_hash) = 64),
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    scope      TEXT    NOT NULL,
    result     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Online verification (网上申报协议 clause 6), imported by staff by ID
-- number: 年度考核 per year, 培训学时 per course, 师德 records.
CREATE TABLE annual_assessments (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT    NOT NULL,
    year        INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    grade       TEXT    NOT NULL CHECK (grade IN ('优秀', '合格', '基本合格', '不合格')),
    unit        TEXT    NULL,
    source      TEXT    NOT NULL DEFAULT 'seed',
    imported_at BIGINT  NULL,
    UNIQUE (id_number, year)
);

CREATE TABLE training_hours (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT    NOT NULL,
    year        INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    hours       INTEGER NOT NULL CHECK (hours BETWEEN 0 AND 2000),
    course      TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT 'seed',
    imported_at BIGINT  NULL
);
CREATE INDEX training_hours_person_idx ON training_hours (id_number, year);

CREATE TABLE ethics_records (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT    NOT NULL,
    recorded_on TEXT    NOT NULL CHECK (recorded_on GLOB
                    '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    result      TEXT    NOT NULL CHECK (result IN ('合格', '不合格')),
    note        TEXT    NULL,
    source      TEXT    NOT NULL DEFAULT 'seed',
    imported_at BIGINT  NULL
);
CREATE INDEX ethics_records_person_idx ON ethics_records (id_number, recorded_on);
