-- 080_demo_accounts.sql — demo applicant accounts (development only!).
-- Every password is Jszg@2026 (bcrypt cost 10, made with htpasswd -nbBC 10).
-- ID numbers are valid GB 11643 numbers (check digit computed); see
-- sql/seed/README.md for what each account is for. Ids are stable.

INSERT INTO accounts (id, id_type, id_number, name, phone, password_hash, ethnicity, sex, birth_date, address, postcode, email, verified, verified_at, created_at, updated_at, last_login_at, password_changed_at) VALUES
-- 1: 北京东城小学数学教师；2010年小学证书可报名（上次注册2021-11-25），2014年初中证书2023年已注册（5年内无需再注册）
(1, '居民身份证', '110101198503151235', '张伟', '13911010001', '$2y$10$BTuNMWWRLbUlGvr5sDbcyeKXv/zv77d59tO8hD6XjEBdgb/X1pkpO', '汉族', '男', '1985-03-15', '北京市东城区和平里东街15号院3号楼2单元501', '100013', 'zhangwei1985@example.com', 1, 1598922000, 1598918400, 1598922000, 1764374400, 1598918400),
-- 2: 武汉武昌语文教师；2013年初中证书从未注册（首次注册），2016年高中证书
(2, '居民身份证', '420106199007082460', '李娜', '13871060002', '$2y$10$iPGeBa4LoeeFIq0YHlE.Ce2U2tw7lqNTG3YVlwkn0bGPfWNVUKHN.', '汉族', '女', '1990-07-08', '湖北省武汉市武昌区中南路街道中南二路12号', '430071', 'lina0708@example.com', 1, 1630458000, 1630454400, 1630458000, 1764201600, 1630454400),
-- 3: 南宁青秀小学教师；2010年广西15位证书（2012年前，靠首次注册信息同步），2013年幼儿园证书
(3, '居民身份证', '450103198211205482', '黄秀英', '13977150003', '$2y$10$DxoM63jOml1blF0zhb.No.XoSlUnVyi9kR.kaD/D/9HPiHlNtbpxK', '壮族', '女', '1982-11-20', '广西壮族自治区南宁市青秀区东葛路76号', '530022', NULL, 1, 1567299600, 1567296000, 1567299600, 1763942400, 1567296000),
-- 4: 成都武侯物理教师；2003年15位证书（2008年前、未首次注册，须手动添加），2009年高中物理证书
(4, '居民身份证', '510107197805123174', '王建国', '13881070004', '$2y$10$hdo4GCF37nXKc/epGeFxg.xb91YcaqKktVt65ZR7Ir9NuLQd7rQUC', '汉族', '男', '1978-05-12', '四川省成都市武侯区浆洗街9号', '610041', 'wangjianguo@example.com', 1, 1536022800, 1536019200, 1536022800, 1763856000, 1536019200),
-- 5: 未实名核验账号（可登录，不能办理定期注册）；广州天河2015年小学英语证书
(5, '居民身份证', '440106199203154285', '刘芳', '13760610005', '$2y$10$Io8zagmyRWuG7rHayBUut.GQicyV8dCqkbEULELTCF5tLAx2/wIOO', '汉族', '女', '1992-03-15', '广东省广州市天河区天河北路233号', '510620', 'liufang92@example.com', 0, NULL, 1732060800, 1732064400, NULL, 1732060800),
-- 6: 深圳南山数学教师；唯一证书2011年高中数学已被依法撤销（2023-06-30起5年）
(6, '居民身份证', '44030519870822615X', '赵磊', '13823050006', '$2y$10$uuFMNcyWEYikd.3hfpoDwuKTHhR8o3v540hd5Kwx85nW3tlOWQ8c6', '汉族', '男', '1987-08-22', '广东省深圳市南山区南头街道南山大道2017号', '518052', NULL, 1, 1609462800, 1609459200, 1609462800, 1763683200, 1609459200),
-- 7: 台湾居民来往大陆通行证账号，实名核验人工审核中（verified=2）
(7, '台湾居民来往大陆通行证', '08123456', '陈静', '13601230007', '$2y$10$rNXGukB/Wpm8ni5vC0bgLeKHg0re2pNfB/4zyzw8N3GdNYlxd71yK', NULL, '女', '1991-04-02', '上海市浦东新区张杨路1588号', '200122', 'chenjing.tw@example.com', 2, NULL, 1759276800, 1759280400, 1763596800, 1759276800),
-- 8: 北京海淀幼儿园教师；2012年幼儿园证书，2021年定期注册结论“暂缓注册”，现可重新申请
(8, '居民身份证', '110108198811204022', '周敏', '13910820008', '$2y$10$y7qah44dZ0bOBH9IJSbAxuQbO6vlAMdKkIpkakbVhs2NcBoeOTRXu', '满族', '女', '1988-11-20', '北京市海淀区学院路30号院8号楼', '100083', 'zhoumin@example.com', 1, 1577840400, 1577836800, 1577840400, 1764028800, 1577836800);
