-- 100_identity_registry.sql — the stand-in for the public-security identity
-- data that 实名核验 checks (development only).  The demo accounts' current
-- names (not 7 陈静, whose 人工审核 is pending: see 110_*), plus people
-- without an account yet, for trying 账号注册 → 实名核验 by hand.  Every ID
-- number is a valid GB 11643 number.
INSERT INTO identity_registry (id, id_type, id_number, name, source, imported_at) VALUES
(1, '居民身份证', '110101198503151235', '张伟', 'seed', NULL),
(2, '居民身份证', '420106199007082460', '李娜', 'seed', NULL),
(3, '居民身份证', '450103198211205482', '黄秀英', 'seed', NULL),
(4, '居民身份证', '510107197805123174', '王建国', 'seed', NULL),
(5, '居民身份证', '440106199203154285', '刘芳', 'seed', NULL),
(6, '居民身份证', '44030519870822615X', '赵磊', 'seed', NULL),
(8, '居民身份证', '110108198811204022', '周敏', 'seed', NULL),
(20, '居民身份证', '110105199001010010', '王芳', 'seed', NULL),
(21, '居民身份证', '110105199102020023', '李静', 'seed', NULL),
(22, '居民身份证', '420106199303030032', '刘洋', 'seed', NULL),
(23, '居民身份证', '440305199505050048', '陈晨', 'seed', NULL),
(24, '居民身份证', '510107199606060050', '杨帆', 'seed', NULL),
(25, '居民身份证', '11010519880101009X', '孙丽', 'seed', NULL);
