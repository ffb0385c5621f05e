-- bench/scale/generate.sql — fill a seeded PostgreSQL mod_jszg database
-- (sql/apply.sh pgsql … --seed) with a national-size synthetic data set.
--
--   psql -v accounts=2000000 -v certs=2000000 -v apps=500000 \
--        -v institutions=300 -f bench/scale/generate.sql "dbname=…"
--
-- Everything is generate_series inside the server (no client round
-- trips); indexes stay in place (the schema's own, as in production).
-- Distributions:
--   * province of each person ∝ its population (7th census, millions);
--   * 300 注册机构 in total (the seed's plus generated 县级/市级 bodies in
--     level-2 regions of each province, ∝ population), 1-3 确认点 each;
--   * accounts: 18-digit ID numbers with GB 11643 check digit, names from
--     common surnames, 85 % 实名核验通过;
--   * certificates: one per account, the rest a second certificate of a
--     random account (so ~10 % hold two); issued 1996-2024;
--   * applications: on distinct certificates, at an institution of the
--     holder's province, cycle 2026 for 85 % (网报待确认 48 %, 待注册审批 34 %,
--     确认未通过 5 %, 注册合格 10 %, 暂缓 2 %, 不合格 1 %), the rest cycle
--     2021 and concluded; 1-4 events each following the status machine;
--   * the satellite tables (sessions, audit_log, rate_events, registry,
--     history, verification data, drafts, captchas, SMS) in proportion.
-- All generated rows use ids above the seed's, and no seed row changes.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.42);
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';

\timing on

-- ---- helpers (dropped at the end) -------------------------------------------
CREATE OR REPLACE FUNCTION pg_temp.idcheck(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT substr('10X98765432', ((substr(s,1,1)::int*7 + substr(s,2,1)::int*9 + substr(s,3,1)::int*10 + substr(s,4,1)::int*5 + substr(s,5,1)::int*8 + substr(s,6,1)::int*4 + substr(s,7,1)::int*2 + substr(s,8,1)::int*1 + substr(s,9,1)::int*6 + substr(s,10,1)::int*3 + substr(s,11,1)::int*7 + substr(s,12,1)::int*9 + substr(s,13,1)::int*10 + substr(s,14,1)::int*5 + substr(s,15,1)::int*8 + substr(s,16,1)::int*4 + substr(s,17,1)::int*2) % 11) + 1, 1)
$$;
-- Luhn check digit over the 19 digits of a 报名号 (jszg_regno.c)
CREATE OR REPLACE FUNCTION pg_temp.luhn(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT ((10 - ((ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,1,1)::int+1] + substr(s,2,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,3,1)::int+1] + substr(s,4,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,5,1)::int+1] + substr(s,6,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,7,1)::int+1] + substr(s,8,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,9,1)::int+1] + substr(s,10,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,11,1)::int+1] + substr(s,12,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,13,1)::int+1] + substr(s,14,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,15,1)::int+1] + substr(s,16,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,17,1)::int+1] + substr(s,18,1)::int + (ARRAY[0,2,4,6,8,1,3,5,7,9])[substr(s,19,1)::int+1]) % 10) % 10)::text
$$;

CREATE TEMP TABLE prov (code text PRIMARY KEY, pop numeric, lo numeric, hi numeric);
INSERT INTO prov (code, pop) VALUES
('440000',126.0),('370000',101.5),('410000',99.4),('320000',84.7),('510000',83.7),
('130000',74.6),('430000',66.4),('330000',64.6),('340000',61.0),('420000',57.8),
('450000',50.1),('530000',47.2),('360000',45.2),('350000',41.5),('210000',42.6),
('610000',39.5),('520000',38.6),('140000',34.9),('500000',32.1),('230000',31.9),
('650000',25.9),('310000',24.9),('620000',25.0),('150000',24.0),('220000',24.1),
('110000',21.9),('120000',13.9),('460000',10.1),('640000',7.2),('630000',5.9),
('540000',3.6);
UPDATE prov p SET lo = s.lo, hi = s.hi FROM (
  SELECT code, (SUM(pop) OVER (ORDER BY code) - pop) / SUM(pop) OVER () AS lo,
         SUM(pop) OVER (ORDER BY code) / SUM(pop) OVER () AS hi FROM prov) s
WHERE s.code = p.code;
-- 10,000 buckets, each naming a province: a uniform bucket is a weighted pick
CREATE TEMP TABLE prov_bucket AS
SELECT b, COALESCE((SELECT code FROM prov WHERE b / 10000.0 >= lo AND b / 10000.0 < hi),
                   '440000') AS code
FROM generate_series(0, 9999) b;
CREATE UNIQUE INDEX ON prov_bucket (b);
ANALYZE prov_bucket;

-- ---- institutions and confirmation points -----------------------------------
-- each province gets institutions ∝ population; cities are its level-2 regions
CREATE TEMP TABLE new_inst AS
WITH base AS (SELECT COALESCE(MAX(id), 0) AS maxid, COUNT(*) AS n FROM institutions),
want AS (
  SELECT p.code, GREATEST(1, round(p.pop / (SELECT SUM(pop) FROM prov)
         * (:institutions - (SELECT n FROM base))))::int AS k
  FROM prov p),
slots AS (
  SELECT w.code AS province_code, g AS k FROM want w, generate_series(1, w.k) g),
cities AS (
  SELECT parent_code, code, name, row_number() OVER (PARTITION BY parent_code ORDER BY code) AS rn,
         COUNT(*) OVER (PARTITION BY parent_code) AS cnt
  FROM regions WHERE level = 2)
SELECT (SELECT maxid FROM base) + row_number() OVER (ORDER BY s.k, s.province_code) AS id,
       s.province_code, c.code AS city_code, c.name AS city_name, s.k
FROM slots s
LEFT JOIN cities c ON c.parent_code = s.province_code
     AND c.rn = ((s.k - 1) % c.cnt) + 1
ORDER BY s.k, s.province_code
LIMIT GREATEST(0, :institutions - (SELECT n FROM base));

INSERT INTO institutions (id, code, name, region_code, province_code, city_code,
                          parent_id, level, stages, phone, address, notes, active)
SELECT n.id, '9' || lpad(n.id::text, 8, '0'),
       COALESCE(n.city_name, r.name) || '教育局（' || n.k || '）',
       COALESCE(n.city_code, n.province_code), n.province_code, n.city_code, NULL,
       CASE WHEN n.k % 4 = 0 THEN '市级' ELSE '县级' END,
       CASE WHEN n.k % 4 = 0 THEN '高级中学,中等职业学校' ELSE '幼儿园,小学,初级中学' END,
       '0' || (100 + n.id % 800) || '-' || lpad((n.id * 7919 % 10000000)::text, 8, '0'),
       COALESCE(n.city_name, r.name) || '教育路' || n.k || '号', NULL, 1
FROM new_inst n JOIN regions r ON r.code = n.province_code;

INSERT INTO confirmation_points (id, institution_id, name, scope, address, phone, hours, active)
SELECT i.id * 100 + g, i.id, i.name || '确认点' || g, '辖区在职教师',
       i.address, i.phone, '工作日 9:00-11:30，13:30-16:30', 1
FROM institutions i JOIN new_inst n ON n.id = i.id,
     generate_series(1, 1 + (i.id % 3)::int) g;

INSERT INTO windows (institution_id, cycle_year, starts, ends, confirm_starts,
                     confirm_ends, created_by, created_at)
SELECT id, 2026, '2026-11-01 09:00:00', '2026-12-20 17:00:00',
       '2026-11-05 09:00:00', '2026-12-25 17:00:00', 'scale', 1761955200
FROM new_inst;

-- institutions by province for the applications' pick
CREATE TEMP TABLE inst_pick AS
SELECT i.province_code, i.id,
       row_number() OVER (PARTITION BY i.province_code ORDER BY i.id) AS rn,
       COUNT(*) OVER (PARTITION BY i.province_code) AS cnt,
       (SELECT MIN(p.id) FROM confirmation_points p WHERE p.institution_id = i.id) AS p0,
       (SELECT COUNT(*) FROM confirmation_points p WHERE p.institution_id = i.id) AS pn
FROM institutions i
WHERE i.active = 1 AND EXISTS (SELECT 1 FROM confirmation_points p WHERE p.institution_id = i.id);
CREATE INDEX ON inst_pick (province_code, rn);
ANALYZE inst_pick;

-- ---- accounts -----------------------------------------------------------------
SELECT COALESCE(MAX(id), 0) AS acct0 FROM accounts \gset
CREATE TEMP TABLE people AS
SELECT g AS n, :acct0 + g AS id,
       pb.code AS prov,
       DATE '1962-01-01' + (g % 13500) AS birth,
       (g / 13500) % 1000 AS seq,
       (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','高','林','罗'])[1 + (g * 31 % 20)]
       || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','秀英','霞','平','刚','桂英','建华','文','华','红','玉兰','志强','海燕','晓东'])[1 + (g * 17 % 30)]
       || CASE WHEN g % 3 = 0 THEN (ARRAY['一','宁','欣','博','思','雨','子','佳'])[1 + (g % 8)] ELSE '' END AS name
FROM (SELECT g, floor(random() * 10000)::int AS bk
      FROM generate_series(1, :accounts) g) s
JOIN prov_bucket pb ON pb.b = s.bk;

-- address code 'xx0199' (no seed account uses it); birth date and
-- sequence are a bijection of n, so every number is unique; the GB 11643
-- check digit makes it valid
CREATE TEMP TABLE people2 AS
SELECT q.*, q.id17 || pg_temp.idcheck(q.id17) AS id_number FROM (
  SELECT p.*, substr(p.prov, 1, 2) || '0199' || to_char(p.birth, 'YYYYMMDD')
              || lpad(p.seq::text, 3, '0') AS id17
  FROM people p) q;
CREATE UNIQUE INDEX ON people2 (n);
ANALYZE people2;

INSERT INTO accounts (id, id_type, id_number, name, phone, password_hash, ethnicity,
                      sex, birth_date, address, postcode, email, verified, verified_at,
                      created_at, updated_at, last_login_at, password_changed_at)
SELECT id, '居民身份证', id_number, name,
       '1' || (3 + n % 7) || lpad((n::bigint * 7919 % 1000000000)::text, 9, '0'),
       '$2y$10$BTuNMWWRLbUlGvr5sDbcyeKXv/zv77d59tO8hD6XjEBdgb/X1pkpO',
       '汉族', CASE WHEN substr(id17, 17, 1)::int % 2 = 1 THEN '男' ELSE '女' END,
       birth, NULL, NULL, NULL,
       CASE WHEN n % 20 < 17 THEN 1 ELSE 0 END,
       CASE WHEN n % 20 < 17 THEN 1600000000 + n % 100000000 END,
       1590000000 + n % 100000000, NULL,
       1700000000 + n % 60000000, 1590000000 + n % 100000000
FROM people2;

-- 公安 identity registry: every person
INSERT INTO identity_registry (id_type, id_number, name, source)
SELECT '居民身份证', id_number, name, 'scale' FROM people2;

-- ---- certificates ------------------------------------------------------------
SELECT COALESCE(MAX(id), 0) AS cert0 FROM certificates \gset
CREATE TEMP TABLE certs AS
SELECT g AS k, :cert0 + g AS id,
       CASE WHEN g <= :accounts THEN g ELSE 1 + (g::bigint * 7919 % :accounts) END AS person,
       1 + (g * 13 % 7) AS kind,
       DATE '1996-09-01' + (g * 7 % 10400) AS issued
FROM generate_series(1, :certs) g;
CREATE INDEX ON certs (person);

INSERT INTO certificates (id, cert_no, holder_name, id_type, id_number, sex, kind,
                          kind_name, subject, authority_name, province_code,
                          issued_on, status, source, review_state, created_at)
SELECT c.id,
       to_char(c.issued, 'YYYY') || substr(p.prov, 1, 2) || c.kind || lpad(c.id::text, 10, '0'),
       p.name, '居民身份证', p.id_number, NULL, c.kind,
       (ARRAY['幼儿园教师资格','小学教师资格','初级中学教师资格','高级中学教师资格',
              '中等职业学校教师资格','中等职业学校实习指导教师资格','高等学校教师资格'])[c.kind],
       (ARRAY['语文','数学','英语','物理','化学','生物','历史','地理','政治','音乐','体育','美术'])[1 + c.id % 12],
       (SELECT name FROM regions WHERE code = p.prov) || '教育厅',
       p.prov, c.issued,
       CASE WHEN c.k % 200 = 0 THEN '丧失' WHEN c.k % 333 = 0 THEN '撤销' ELSE '有效' END,
       'registry', '无需核验', 1600000000
FROM certs c JOIN people2 p ON p.n = c.person;

-- 首次注册 / earlier 定期注册 history for 30 % of the certificates
INSERT INTO registrations_history (cert_no, kind, registered_on, conclusion,
                                   valid_until, institution_name)
SELECT x.cert_no, CASE WHEN x.id % 2 = 0 THEN '首次注册' ELSE '定期注册' END,
       DATE '2017-01-01' + (x.id % 1800)::int, '注册合格',
       DATE '2022-01-01' + (x.id % 1800)::int, '教育局'
FROM certificates x WHERE x.id > :cert0 AND x.id % 10 < 3;

-- ---- applications --------------------------------------------------------------
SELECT COALESCE(MAX(id), 0) AS app0 FROM applications \gset
CREATE TEMP TABLE apps AS
SELECT g AS k, :app0 + g AS id, c.id AS cert_id, c.person, p.prov,
       CASE WHEN g % 100 < 85 THEN 2026 ELSE 2021 END AS cycle,
       random() AS r_inst, random() AS r_pt, random() AS r_st
FROM generate_series(1, :apps) g
JOIN certs c ON c.k = 1 + (((g - 1)::bigint * GREATEST(1, LEAST(:certs, :accounts) / :apps))
                            % LEAST(:certs, :accounts))
JOIN people2 p ON p.n = c.person;

CREATE TEMP TABLE apps2 AS
SELECT a.*, ip.id AS inst_id, ip.p0 + (floor(a.r_pt * ip.pn))::int AS point_guess,
       i.code AS inst_code,
       CASE WHEN a.cycle = 2021 THEN
              CASE WHEN a.r_st < 0.9 THEN '注册合格' WHEN a.r_st < 0.97 THEN '暂缓注册' ELSE '注册不合格' END
            WHEN a.r_st < 0.48 THEN '网报待确认'
            WHEN a.r_st < 0.82 THEN '待注册审批'
            WHEN a.r_st < 0.87 THEN '确认未通过'
            WHEN a.r_st < 0.97 THEN '注册合格'
            WHEN a.r_st < 0.99 THEN '暂缓注册'
            ELSE '注册不合格' END AS status,
       row_number() OVER (PARTITION BY ip.id, a.cycle ORDER BY a.k) AS seqno
FROM apps a
JOIN inst_pick ip ON ip.province_code = a.prov
     AND ip.rn = 1 + floor(a.r_inst * ip.cnt)::int
JOIN institutions i ON i.id = ip.id;

-- points: ids are inst*100+n for generated institutions; the seed's are
-- not contiguous, so fall back to the first point of the institution
UPDATE apps2 a SET point_guess = ip.p0 FROM inst_pick ip
WHERE ip.id = a.inst_id AND NOT EXISTS (SELECT 1 FROM confirmation_points p
      WHERE p.id = a.point_guess AND p.institution_id = a.inst_id);

INSERT INTO applications (id, reg_no, account_id, cert_no, cert_kind_name, cert_subject,
                          cert_source, cycle_year, institution_id, point_id, stage, subject,
                          status, has_message, data, photo_path, submitted_at, updated_at,
                          decided_on)
SELECT a.id,
       a.cycle || a.inst_code || lpad(a.seqno::text, 6, '0')
         || pg_temp.luhn(a.cycle || a.inst_code || lpad(a.seqno::text, 6, '0')),
       ac.id, c.cert_no, c.kind_name, c.subject, 'registry', a.cycle, a.inst_id,
       a.point_guess,
       (ARRAY['幼儿园','小学','初级中学','高级中学','中等职业学校'])[LEAST(c.kind, 5)],
       c.subject, a.status,
       CASE WHEN a.status = '确认未通过' THEN 1 WHEN a.k % 50 = 0 THEN 1 ELSE 0 END,
       '{"name":"' || ac.name || '","id_number":"' || ac.id_number
         || '","education":"本科","degree":"学士","school":"北京师范大学","major":"'
         || c.subject || '","post":"专任教师","title":"二级教师","unit":"第'
         || (a.k % 97 + 1) || '中学","phone":"' || ac.phone || '"}',
       'scale/photo.jpg',
       CASE WHEN a.cycle = 2026 THEN 1761973200 + (a.k * 37 % 4320000)
            ELSE 1635000000 + (a.k * 37 % 4320000) END,
       CASE WHEN a.cycle = 2026 THEN 1761973200 + (a.k * 37 % 4320000) + (a.k % 864000)
            ELSE 1635000000 + (a.k * 37 % 4320000) + (a.k % 864000) END,
       CASE WHEN a.status IN ('注册合格','暂缓注册','注册不合格')
            THEN (CASE WHEN a.cycle = 2026 THEN DATE '2026-12-01' ELSE DATE '2021-12-01' END) + (a.k % 20) END
FROM apps2 a
JOIN certificates c ON c.id = a.cert_id
JOIN accounts ac ON ac.id = :acct0 + a.person;

INSERT INTO reg_counters (institution_id, cycle_year, last_seq)
SELECT inst_id, cycle, MAX(seqno) FROM apps2 GROUP BY inst_id, cycle
ON CONFLICT (institution_id, cycle_year) DO UPDATE SET last_seq =
   GREATEST(reg_counters.last_seq, excluded.last_seq);

-- events: submit, then each transition the status implies
INSERT INTO application_events (application_id, at, actor, from_status, to_status, note, message)
SELECT a.id, a.submitted_at, 'applicant', NULL, '网报待确认', '网上报名', NULL
FROM applications a WHERE a.id > :app0;
INSERT INTO application_events (application_id, at, actor, from_status, to_status, note, message)
SELECT a.id, a.submitted_at + 86400 * (3 + a.id % 20), 'point:' || a.point_id, '网报待确认',
       CASE WHEN a.status = '确认未通过' THEN '确认未通过' ELSE '待注册审批' END,
       '现场确认',
       CASE WHEN a.status = '确认未通过' THEN '材料不全：请补交聘用合同复印件。' END
FROM applications a WHERE a.id > :app0 AND a.status <> '网报待确认';
INSERT INTO application_events (application_id, at, actor, from_status, to_status, note, message)
SELECT a.id, a.updated_at, 'institution:' || a.institution_id, '待注册审批', a.status,
       '注册审批', CASE WHEN a.status <> '注册合格' THEN '请查看注册结论说明。' END
FROM applications a WHERE a.id > :app0 AND a.status IN ('注册合格','暂缓注册','注册不合格');
-- an occasional staff message on an open application
INSERT INTO application_events (application_id, at, actor, from_status, to_status, note, message)
SELECT a.id, a.updated_at, 'point:' || a.point_id, a.status, a.status, '留言',
       '请于确认时间内携带证书原件到确认点。'
FROM applications a WHERE a.id > :app0 AND a.has_message = 1 AND a.status <> '确认未通过';

-- idempotency keys of the submits
INSERT INTO idempotency_keys (key_hash, account_id, scope, result, created_at)
SELECT md5(a.reg_no) || md5(a.reg_no || 'k'), a.account_id, 'wizard.submit', a.reg_no, a.submitted_at
FROM applications a WHERE a.id > :app0;

-- ---- verification data for the applicants ------------------------------------
INSERT INTO annual_assessments (id_number, year, grade, unit, source)
SELECT ac.id_number, y, CASE WHEN (a.id + y) % 40 = 0 THEN '基本合格' WHEN (a.id + y) % 7 = 0 THEN '优秀' ELSE '合格' END,
       '学校', 'scale'
FROM applications a JOIN accounts ac ON ac.id = a.account_id,
     generate_series(2021, 2025) y
WHERE a.id > :app0 AND a.cycle_year = 2026 AND a.id % 2 = 0
ON CONFLICT (id_number, year) DO NOTHING;
INSERT INTO training_hours (id_number, year, hours, course, source)
SELECT ac.id_number, 2021 + (a.id + g) % 5, 72 + (a.id % 5) * 12, '继续教育课程' || g, 'scale'
FROM applications a JOIN accounts ac ON ac.id = a.account_id, generate_series(1, 3) g
WHERE a.id > :app0 AND a.cycle_year = 2026 AND a.id % 2 = 0;
INSERT INTO ethics_records (id_number, recorded_on, result, source)
SELECT ac.id_number, DATE '2024-06-30', CASE WHEN a.id % 500 = 0 THEN '不合格' ELSE '合格' END, 'scale'
FROM applications a JOIN accounts ac ON ac.id = a.account_id
WHERE a.id > :app0 AND a.id % 4 = 0;

-- ---- satellite tables ------------------------------------------------------------
-- live and expired sessions (2.5 % of accounts), wizard drafts (1 %)
INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, expires_at, ip, user_agent, data)
SELECT md5('s' || g) || md5('t' || g), :acct0 + 1 + (g * 7919 % :accounts),
       1764000000 + g % 86400, 1764000000 + g % 86400, 1764000000 + g % 86400 + 28800,
       '10.' || (g % 250) || '.' || (g / 250 % 250) || '.1', 'Mozilla/5.0', '{}'
FROM generate_series(1, GREATEST(1, :accounts / 40)) g;
INSERT INTO wizard_drafts (account_id, step_done, data, submit_key, created_at, updated_at)
SELECT :acct0 + g * 97, g % 6, '{}', md5('d' || g), 1764000000, 1764000000 + g % 86400
FROM generate_series(1, GREATEST(1, :accounts / 100)) g
WHERE g * 97 <= :accounts;
-- audit trail and rate events (logins, certificate queries)
INSERT INTO audit_log (at, actor, action, target, ip, note)
SELECT 1762000000 + g * 7, 'account:' || (:acct0 + 1 + g % :accounts),
       (ARRAY['acct.login','acct.logout','wizard.submit','records.edit','admin.confirm','admin.decide'])[1 + g % 6],
       'application:' || (:app0 + 1 + g % GREATEST(1, :apps)), '10.0.' || (g % 250) || '.1', NULL
FROM generate_series(1, GREATEST(1, :accounts / 10)) g;
INSERT INTO rate_events (kind, key, at)
SELECT (ARRAY['acct.login.fail','cert.query','acct.sms','admin.login'])[1 + g % 4],
       '10.' || (g % 250) || '.' || (g / 250 % 250) || '.1', 1764000000 + g % 86400
FROM generate_series(1, GREATEST(1, :accounts / 20)) g;
INSERT INTO captchas (id_hash, mode, seed, answer, owner, issued_ms, expires_at, used_at, ip)
SELECT md5('c' || g) || md5('d' || g), 'slide', g, 100 + g % 150, md5('o' || g),
       1764000000000 + g, 1764000300 + g % 86400, NULL, '10.0.0.1'
FROM generate_series(1, GREATEST(1, :accounts / 100)) g;
INSERT INTO sms_outbox (phone, body, purpose, created_at, sent_at)
SELECT '139' || lpad(g::text, 8, '0'), '【教师资格网】验证码 123456', 'reset', 1764000000 + g, 1764000001 + g
FROM generate_series(1, GREATEST(1, :accounts / 100)) g;
INSERT INTO sms_codes (purpose, account_id, phone, code_hash, created_at, expires_at)
SELECT 'reset', :acct0 + 1 + (g * 13 % :accounts), '139' || lpad(g::text, 8, '0'), md5('h' || g),
       1764000000 + g, 1764000600 + g
FROM generate_series(1, GREATEST(1, :accounts / 100)) g;
INSERT INTO identity_reviews (account_id, id_type, id_number, name, status, submitted_at)
SELECT ac.id, ac.id_type, ac.id_number, ac.name,
       CASE WHEN g % 10 = 0 THEN '人工审核中' ELSE '审核通过' END, 1764000000 + g
FROM generate_series(1, GREATEST(1, :accounts / 200)) g
JOIN accounts ac ON ac.id = :acct0 + g * 199 % :accounts + 1;
INSERT INTO manual_certificates (account_id, cert_no, holder_name, id_number, issued_on,
    province_code, kind, kind_name, subject, authority_name, photo_path, review_state, created_at)
SELECT ac.id, '2003' || lpad(g::text, 13, '0'), ac.name, ac.id_number, DATE '2003-07-01',
       '110000', 2, '小学教师资格', '语文', '北京市教育委员会', 'scale/m.jpg',
       CASE WHEN g % 5 = 0 THEN '待核验' ELSE '核验通过' END, 1764000000 + g
FROM generate_series(1, GREATEST(1, :accounts / 200)) g
JOIN accounts ac ON ac.id = :acct0 + g * 211 % :accounts + 1
ON CONFLICT DO NOTHING;

-- move identity sequences past the explicit ids
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'
    LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),
                        COALESCE((SELECT MAX(%I) FROM %I), 0) + 1, false)',
                       r.table_name, r.column_name, r.column_name, r.table_name);
    END LOOP;
END $$;

\timing off
