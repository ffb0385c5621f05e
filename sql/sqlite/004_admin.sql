-- 004_admin.sql (SQLite) — the back office: staff accounts, their sessions,
-- messages to applicants and the history of CSV imports.  Column-for-column
-- identical to sql/pgsql/004_admin.sql; conventions as in 001_foundation.sql.
--
-- Staff are not applicants: their own table, their own sessions, their own
-- cookie (jszg_admin, Path=/admin).  An applicant session never grants
-- back-office access and an admin session never grants applicant access.

-- 工作人员.  role and scope:
--   point        one 现场确认点 (point_id; institution_id = the point's)
--   institution  one 注册机构 (institution_id)
--   province     one province (province_code, a level-1 region)
--   system       everything (no scope ids)
-- username is stored lower-case; password_hash is bcrypt.
CREATE TABLE staff (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE
                   CHECK (length(username) BETWEEN 3 AND 32),
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL
                   CHECK (role IN ('point', 'institution', 'province', 'system')),
    point_id       INTEGER NULL REFERENCES confirmation_points(id),
    institution_id INTEGER NULL REFERENCES institutions(id),
    province_code  TEXT    NULL REFERENCES regions(code),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     BIGINT  NOT NULL,
    last_login_at  BIGINT  NULL,
    CHECK ((role = 'point' AND point_id IS NOT NULL
                AND institution_id IS NOT NULL)
        OR (role = 'institution' AND institution_id IS NOT NULL
                AND point_id IS NULL)
        OR (role = 'province' AND province_code IS NOT NULL
                AND point_id IS NULL AND institution_id IS NULL)
        OR (role = 'system' AND point_id IS NULL AND institution_id IS NULL
                AND province_code IS NULL))
);

-- Back-office sessions: the jszg_admin cookie carries the token, the table
-- its sha256.  data holds the one-shot flash message.
CREATE TABLE admin_sessions (
    id_hash      TEXT    NOT NULL PRIMARY KEY CHECK (length(id_hash) = 64),
    staff_id     INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    ip           TEXT    NULL,
    user_agent   TEXT    NULL,
    data         TEXT    NULL
);
CREATE INDEX admin_sessions_staff_idx ON admin_sessions (staff_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

-- CSV imports of registry data: one row per upload, dry run or applied.
-- errors: the dry run's report (JSON array of {line, reason}), capped.
CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('certificates', 'assessments', 'training',
                                'ethics', 'identity')),
    filename    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    created_at  BIGINT  NOT NULL,
    rows_total  INTEGER NOT NULL DEFAULT 0,
    rows_bad    INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL DEFAULT 'checked'
                CHECK (state IN ('checked', 'applied', 'failed')),
    applied_at  BIGINT  NULL,
    errors      TEXT    NULL
);
CREATE INDEX import_batches_at_idx ON import_batches (created_at);
