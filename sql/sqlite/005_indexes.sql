-- 005_indexes.sql (SQLite) — indexes found missing by tests/scale/explain.py
-- on the national-size data set of bench/scale (2 million accounts and
-- certificates, 500,000 applications).  Same indexes as
-- sql/pgsql/005_indexes.sql.

-- 注册审批 / 现场确认 queues (admin_queue, admin_queue_count): one status,
-- oldest change first, LIMIT/OFFSET.  System and province staff walk the
-- status in updated_at order; a 注册机构 its own institution; a 确认点
-- (and every point-scoped list and count) its own point, which had no
-- index at all.
CREATE INDEX applications_status_idx ON applications (status, updated_at, id);
CREATE INDEX applications_inst_queue_idx ON applications (institution_id, status, updated_at, id);
CREATE INDEX applications_point_idx ON applications (point_id, status, updated_at, id);

-- session_purge: expires_at < now OR last_seen_at < idle limit; with only
-- expires_at indexed the OR read the whole sessions table.
CREATE INDEX sessions_seen_idx ON sessions (last_seen_at);
