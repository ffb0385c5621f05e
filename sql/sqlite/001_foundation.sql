-- 001_foundation.sql (SQLite) — mod_jszg base schema.
--
-- Kept column-for-column identical to sql/pgsql/001_foundation.sql; only the
-- dialect differs. Conventions shared by both engines (see sql/README.md):
--   * ids are integers; SQLite uses INTEGER PRIMARY KEY (rowid alias);
--   * machine times (*_at) are BIGINT unix epoch seconds;
--   * calendar dates (*_on) are TEXT 'YYYY-MM-DD' here, DATE in PostgreSQL;
--   * window times (windows.starts/ends/confirm_*) are TEXT
--     'YYYY-MM-DD HH:MM:SS' here, TIMESTAMP (no time zone, Beijing time) in PG;
--   * booleans are INTEGER 0/1 here, SMALLINT in PostgreSQL.
-- apply.sh runs this file inside one transaction and records the version.
-- SQLite enforces foreign keys only with PRAGMA foreign_keys=ON, which is a
-- per-connection setting: the module turns it on for every connection.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL PRIMARY KEY,
    applied_at  BIGINT  NOT NULL DEFAULT 0
);

-- 行政区划 (GB/T 2260). level 1 省级, 2 地市级 (直辖市: 市辖区/县), 3 县级.
-- in_service = 0 for 台湾/香港/澳门: listed for addresses and certificates,
-- excluded from 定期注册 dropdowns.
CREATE TABLE regions (
    code        TEXT    NOT NULL PRIMARY KEY
                CHECK (length(code) = 6 AND code GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'),
    name        TEXT    NOT NULL,
    parent_code TEXT    NULL REFERENCES regions(code),
    level       INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    in_service  INTEGER NOT NULL DEFAULT 1 CHECK (in_service IN (0, 1)),
    CHECK ((level = 1 AND parent_code IS NULL) OR (level > 1 AND parent_code IS NOT NULL))
);
CREATE INDEX regions_parent_idx ON regions (parent_code, code);
CREATE INDEX regions_level_idx ON regions (level, in_service, code);

-- 申请人账号. id_number is stored upper-cased (login is the ID number).
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    id_type             TEXT    NOT NULL CHECK (id_type IN ('居民身份证',
                            '港澳居民来往内地通行证', '台湾居民来往大陆通行证',
                            '护照', '外国人永久居留身份证')),
    id_number           TEXT    NOT NULL CHECK (length(id_number) BETWEEN 5 AND 32),
    name                TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    phone               TEXT    NOT NULL CHECK (length(phone) = 11),
    password_hash       TEXT    NOT NULL,
    ethnicity           TEXT    NULL,
    sex                 TEXT    NULL CHECK (sex IS NULL OR sex IN ('男', '女')),
    birth_date          TEXT    NULL CHECK (birth_date IS NULL OR birth_date GLOB
                            '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    address             TEXT    NULL CHECK (address IS NULL OR length(address) <= 100),
    postcode            TEXT    NULL CHECK (postcode IS NULL OR length(postcode) = 6),
    email               TEXT    NULL,
    verified            INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1, 2)),
    verified_at         BIGINT  NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NULL,
    last_login_at       BIGINT  NULL,
    password_changed_at BIGINT  NULL,
    UNIQUE (id_type, id_number)
);
CREATE INDEX accounts_id_number_idx ON accounts (id_number);
CREATE INDEX accounts_phone_idx ON accounts (phone);

-- Server-side sessions; the cookie carries the token, the table its sha256.
CREATE TABLE sessions (
    id_hash      TEXT    NOT NULL PRIMARY KEY CHECK (length(id_hash) = 64),
    account_id   INTEGER NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    ip           TEXT    NULL,
    user_agent   TEXT    NULL,
    data         TEXT    NULL
);
CREATE INDEX sessions_account_idx ON sessions (account_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- 注册机构 (教育局/教委). stages: comma list of the 学段 it registers.
-- province_code/city_code place it in the wizard's 选择省/选择市 dropdowns;
-- city_code NULL = serves the whole province (e.g. 北京市教育委员会).
CREATE TABLE institutions (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE CHECK (length(code) = 9),
    name          TEXT    NOT NULL,
    region_code   TEXT    NOT NULL REFERENCES regions(code),
    province_code TEXT    NOT NULL REFERENCES regions(code),
    city_code     TEXT    NULL REFERENCES regions(code),
    parent_id     INTEGER NULL REFERENCES institutions(id),
    level         TEXT    NOT NULL CHECK (level IN ('省级', '市级', '县级')),
    stages        TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NULL,
    address       TEXT    NULL,
    notes         TEXT    NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX institutions_place_idx ON institutions (province_code, city_code, active);
CREATE INDEX institutions_region_idx ON institutions (region_code);
CREATE INDEX institutions_parent_idx ON institutions (parent_id);

-- 现场确认点
CREATE TABLE confirmation_points (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    address        TEXT    NULL,
    phone          TEXT    NULL,
    hours          TEXT    NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX confirmation_points_inst_idx ON confirmation_points (institution_id, active);

-- 网报计划: one per institution and cycle year. Times are Beijing time.
CREATE TABLE windows (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    cycle_year     INTEGER NOT NULL CHECK (cycle_year BETWEEN 2013 AND 2100),
    starts         TEXT    NOT NULL CHECK (starts GLOB
                       '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'),
    ends           TEXT    NOT NULL CHECK (ends GLOB
                       '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'),
    confirm_starts TEXT    NULL CHECK (confirm_starts IS NULL OR confirm_starts GLOB
                       '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'),
    confirm_ends   TEXT    NULL CHECK (confirm_ends IS NULL OR confirm_ends GLOB
                       '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'),
    created_by     TEXT    NULL,
    created_at     BIGINT  NULL,
    CHECK (ends > starts),
    CHECK (confirm_ends IS NULL OR confirm_starts IS NULL OR confirm_ends > confirm_starts),
    UNIQUE (institution_id, cycle_year)
);
CREATE INDEX windows_cycle_idx ON windows (cycle_year, starts, ends);

-- 资格资讯
CREATE TABLE news (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    summary      TEXT    NULL,
    body         TEXT    NOT NULL,
    source       TEXT    NULL,
    published_on TEXT    NOT NULL CHECK (published_on GLOB
                     '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    views        INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0)
);
CREATE INDEX news_published_idx ON news (published_on, id);

-- 各省注册公告 / 认定公告
CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    province_code TEXT    NOT NULL REFERENCES regions(code),
    business      TEXT    NOT NULL CHECK (business IN ('定期注册', '认定')),
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    published_on  TEXT    NOT NULL CHECK (published_on GLOB
                      '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]')
);
CREATE INDEX notices_list_idx ON notices (business, province_code, published_on);
CREATE INDEX notices_published_idx ON notices (business, published_on);

-- 常见问题: id is the question number shown on the site (1..50).
CREATE TABLE faq (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id > 0),
    category   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    updated_on TEXT    NOT NULL CHECK (updated_on GLOB
                   '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]')
);
CREATE INDEX faq_category_idx ON faq (category, id);

-- 各省份认定工作联系方式: one row per province.
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    province_code TEXT    NOT NULL UNIQUE REFERENCES regions(code),
    department    TEXT    NOT NULL,
    phone         TEXT    NULL,
    address       TEXT    NULL,
    website       TEXT    NULL,
    hours         TEXT    NULL
);

-- 教师资格证书 (the national registry, imported; or entered by hand).
-- kind: 1 幼儿园 2 小学 3 初级中学 4 高级中学 5 中等职业学校
--       6 中等职业学校实习指导 7 高等学校.
-- review_state applies to source = 'manual' (人工核验 of hand-entered ones).
-- restricted_until: end of the 撤销 (5 years) / 无效 (3 years) period.
CREATE TABLE certificates (
    id               INTEGER PRIMARY KEY,
    cert_no          TEXT    NOT NULL UNIQUE CHECK (length(cert_no) IN (15, 17)),
    holder_name      TEXT    NOT NULL,
    id_type          TEXT    NOT NULL DEFAULT '居民身份证',
    id_number        TEXT    NOT NULL,
    sex              TEXT    NULL CHECK (sex IS NULL OR sex IN ('男', '女')),
    kind             INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 7),
    kind_name        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    authority_name   TEXT    NOT NULL,
    province_code    TEXT    NOT NULL REFERENCES regions(code),
    city_code        TEXT    NULL REFERENCES regions(code),
    issued_on        TEXT    NOT NULL CHECK (issued_on GLOB
                         '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    status           TEXT    NOT NULL DEFAULT '有效'
                         CHECK (status IN ('有效', '丧失', '撤销', '无效')),
    status_changed_on TEXT   NULL,
    restricted_until TEXT    NULL,
    source           TEXT    NOT NULL DEFAULT 'registry'
                         CHECK (source IN ('registry', 'manual')),
    review_state     TEXT    NOT NULL DEFAULT '无需核验'
                         CHECK (review_state IN ('无需核验', '待核验', '核验通过', '核验不通过')),
    photo_path       TEXT    NULL,
    created_at       BIGINT  NULL
);
CREATE INDEX certificates_holder_idx ON certificates (id_number, holder_name);
CREATE INDEX certificates_province_idx ON certificates (province_code, issued_on);

-- Past registrations of a certificate (证书查询 history; 首次注册 data of
-- pre-2008 certificates). Not a foreign key: the registry may know a
-- registration of a certificate that is not in certificates.
CREATE TABLE registrations_history (
    id               INTEGER PRIMARY KEY,
    cert_no          TEXT    NOT NULL CHECK (length(cert_no) IN (15, 17)),
    kind             TEXT    NOT NULL DEFAULT '定期注册' CHECK (kind IN ('首次注册', '定期注册')),
    registered_on    TEXT    NOT NULL CHECK (registered_on GLOB
                         '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    conclusion       TEXT    NOT NULL CHECK (conclusion IN ('注册合格', '暂缓注册', '注册不合格')),
    valid_until      TEXT    NULL,
    institution_name TEXT    NOT NULL
);
CREATE INDEX registrations_history_cert_idx ON registrations_history (cert_no, registered_on);

-- 短信发件箱: a sender (gateway or the dev outbox page) drains unsent rows.
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY,
    phone      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    sent_at    BIGINT  NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NULL
);
CREATE INDEX sms_outbox_pending_idx ON sms_outbox (sent_at, id);
CREATE INDEX sms_outbox_phone_idx ON sms_outbox (phone, created_at);

-- Generic rate-limit counters: count rows of (kind,key) with at > now - span.
CREATE TABLE rate_events (
    id   INTEGER PRIMARY KEY,
    kind TEXT    NOT NULL,
    key  TEXT    NOT NULL,
    at   BIGINT  NOT NULL
);
CREATE INDEX rate_events_lookup_idx ON rate_events (kind, key, at);
CREATE INDEX rate_events_at_idx ON rate_events (at);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     BIGINT  NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NULL,
    ip     TEXT    NULL,
    note   TEXT    NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_target_idx ON audit_log (target, at);
