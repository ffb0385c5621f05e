-- 012_schools_dedup.sql — 新增学校 (POST /api/v1/schools) de-duplicated:
-- one school per name as people type it, i.e. ignoring spaces (ASCII,
-- U+3000, U+00A0) and full-width parentheses.  An expression index, so
-- that seed and import rows are covered without a column to keep in step;
-- the store's statements use the same expression (SCHOOL_KEY in
-- mod_jszg/jszg_store_wizard.c).  Identical on SQLite and PostgreSQL.
CREATE UNIQUE INDEX schools_name_key_uq ON schools ((
    replace(replace(replace(replace(replace(name, ' ', ''), '　', ''),
                                    ' ', ''), '（', '('), '）', ')')));
-- the schools an applicant added (search shows them to their author only)
CREATE INDEX schools_created_by_idx ON schools (created_by);
