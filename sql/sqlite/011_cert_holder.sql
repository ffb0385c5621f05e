-- 011_cert_holder.sql (SQLite) — a certificate belongs to its holder
-- (issue 13.3).  Same changes as sql/pgsql/011_cert_holder.sql.
--
-- The registration history and the one-open-application rule were keyed
-- on the certificate number alone: someone who applied with another
-- person's number blocked the real holder ("该证书本注册周期已报名") and
-- handed them the decision.  They are now keyed on the holder too.

-- registrations_history.id_number: the holder the row belongs to.  A row
-- with NULL (the registry's feed, the seed) belongs to the certificate's
-- holder in the registry (certificates.id_number); a staff decision
-- writes the applicant's ID number (admin_history_insert).
ALTER TABLE registrations_history ADD COLUMN id_number TEXT NULL;

-- Rows written by staff decisions before this migration: the applicant
-- of the decided application of that certificate, date and conclusion.
UPDATE registrations_history SET id_number = (
    SELECT c.id_number FROM applications a
    JOIN accounts c ON c.id = a.account_id
    WHERE a.cert_no = registrations_history.cert_no
      AND a.decided_on = registrations_history.registered_on
      AND a.status = registrations_history.conclusion
    ORDER BY a.id DESC LIMIT 1)
WHERE id_number IS NULL;

-- One open application per certificate, holder (account) and cycle.
DROP INDEX applications_open_uq;
CREATE UNIQUE INDEX applications_open_uq
    ON applications (cert_no, account_id, cycle_year)
    WHERE status IN ('网报待确认', '确认未通过', '待注册审批');

-- Hand entries by number (the same number in another account).
CREATE INDEX manual_certificates_cert_idx ON manual_certificates (cert_no);
