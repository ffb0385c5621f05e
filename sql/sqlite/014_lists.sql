-- 014_lists.sql (SQLite) — indexes of the back office's worklists
-- (mod_jszg/jszg_store_lists.c), checked on PostgreSQL by
-- tests/scale/explain.py.  Same b-tree indexes as sql/pgsql/014_lists.sql;
-- the search by part of a name or a 报名号 is a LIKE here (SQLite has no
-- trigram index), which reads the scope's applications: the embedded
-- engine serves one office, not a country.

-- 确认点 worklist: the applications of one point waiting for 现场确认,
-- in the order they were submitted (a day's list is a range of it); the
-- national and provincial worklists walk the status the same way.
CREATE INDEX applications_point_sub_idx ON applications (point_id, status, submitted_at, id);
CREATE INDEX applications_status_sub_idx ON applications (status, submitted_at, id);
