-- 110_identity_reviews.sql — the pending 人工审核 of demo account 7 (陈静,
-- verified = 2 in 080_demo_accounts.sql).  Seeded without photos.
INSERT INTO identity_reviews (id, account_id, id_type, id_number, name, front_path, back_path, status, submitted_at, decided_at, decided_by, note) VALUES
(1, 7, '台湾居民来往大陆通行证', '08123456', '陈静', NULL, NULL, '人工审核中', 1763600400, NULL, NULL, NULL);
