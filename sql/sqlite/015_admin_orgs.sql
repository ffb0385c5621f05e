-- 015_admin_orgs.sql (SQLite) — administration without SQL (issue 14):
-- 注册机构 and 确认点 maintained in the back office, staff accounts with a
-- forced password change.  Same changes as sql/pgsql/015_admin_orgs.sql.

-- 注册机构's 办公时间 (address and phone exist since 001).
ALTER TABLE institutions ADD COLUMN hours TEXT NULL;

-- 确认点: the 学段 it confirms, a comma list like institutions.stages;
-- '' = every 学段 of its institution.
ALTER TABLE confirmation_points ADD COLUMN stages TEXT NOT NULL DEFAULT '';

-- A password set by an administrator (new account, 重置密码) must be
-- changed at the next login before anything else.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
ALTER TABLE staff ADD COLUMN password_changed_at BIGINT NULL;
