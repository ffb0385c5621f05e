-- 016_cert_extra_photo.sql — 添加补充照片 (manual §3.1.2, 添加教师资格证书信息):
-- an optional second picture of a hand-entered certificate (another page
-- of it, e.g. the 注册 or 变更 page), shown to the staff who check it.
-- Identical on SQLite and PostgreSQL.
ALTER TABLE manual_certificates ADD COLUMN extra_photo_path TEXT NULL;
