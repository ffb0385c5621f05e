-- 400_staff.sql — demo back-office staff (development and tests only).
-- Every password is Staff@2026 (bcrypt cost 10); see README-staff.md.
-- Ids are stable: tests rely on them.
INSERT INTO staff (id, username, name, password_hash, role, point_id, institution_id, province_code, active, created_at, last_login_at) VALUES
(1,  'sysadmin',     '系统管理员',         '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'system',      NULL, NULL, NULL,     1, 1764000000, NULL),
(2,  'bj-province',  '北京市教委管理员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'province',    NULL, NULL, '110000', 1, 1764000000, NULL),
(3,  'hb-province',  '湖北省教育厅管理员', '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'province',    NULL, NULL, '420000', 1, 1764000000, NULL),
(4,  'dc-reviewer',  '东城区注册审核员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'institution', NULL, 2,    NULL,     1, 1764000000, NULL),
(5,  'xc-reviewer',  '西城区注册审核员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'institution', NULL, 3,    NULL,     1, 1764000000, NULL),
(6,  'wh-reviewer',  '武汉市注册审核员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'institution', NULL, 8,    NULL,     1, 1764000000, NULL),
(7,  'dc-point',     '东城交道口确认员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'point',       201,  2,    NULL,     1, 1764000000, NULL),
(8,  'dc-point2',    '东城天坛确认员',     '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'point',       202,  2,    NULL,     1, 1764000000, NULL),
(9,  'xc-point',     '西城区确认员',       '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'point',       301,  3,    NULL,     1, 1764000000, NULL),
(10, 'hd-point',     '海淀四道口确认员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'point',       501,  5,    NULL,     1, 1764000000, NULL),
(11, 'hd-reviewer',  '海淀区注册审核员',   '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'institution', NULL, 5,    NULL,     1, 1764000000, NULL),
(12, 'gd-province',  '广东省教育厅管理员', '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'province',    NULL, NULL, '440000', 1, 1764000000, NULL),
(13, 'retired',      '已停用账号',         '$2y$10$I2a.aVCxLechpyXWQD2Dx.nFE3nr2VzJHEKZ/Pb3AJHJRN2.MpWsu', 'institution', NULL, 2,    NULL,     0, 1764000000, NULL);
