-- 014_lists.sql (PostgreSQL) — indexes of the back office's worklists and
-- search (mod_jszg/jszg_store_lists.c), found needed by
-- tests/scale/explain.py on the 2-million-account database.  The b-tree
-- indexes are those of sql/sqlite/014_lists.sql.

-- 确认点 worklist: the applications of one point waiting for 现场确认,
-- in the order they were submitted (a day's list is a range of it); the
-- national and provincial worklists walk the status the same way.
CREATE INDEX applications_point_sub_idx ON applications (point_id, status, submitted_at, id);
CREATE INDEX applications_status_sub_idx ON applications (status, submitted_at, id);

-- Search by part of a name or of a 报名号: trigram GIN indexes.  A
-- trigram needs three characters, and most Chinese names have two or
-- three: a short key (one or two characters) is looked for at the start
-- of the name and at the start of the given name (after the surname's
-- character, substr(name, 2)), LIKE 'key%' on both, which the two name
-- indexes serve (a BitmapOr); a key of three characters or more anywhere
-- in the name (LIKE '%key%').  pg_trgm ships with Debian's postgresql-15 package (contrib)
-- and is a trusted extension: the database owner may create it without
-- being a superuser.  Chinese characters make trigrams in a UTF-8
-- database (C.UTF-8 classifies them as letters).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_given_name_trgm_idx ON accounts USING gin (substr(name, 2) gin_trgm_ops);
CREATE INDEX applications_reg_no_trgm_idx ON applications USING gin (reg_no gin_trgm_ops);
