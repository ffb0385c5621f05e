-- 006_housekeeping.sql (SQLite) — indexes for the housekeeping job
-- (mod_jszg/jszg_housekeeping.c, statements hk_* in
-- jszg_store_housekeeping.c).  Same indexes as sql/pgsql/006_housekeeping.sql.
--
-- Each hk_* statement deletes the oldest rows past a cut-off in batches:
-- one range on one column, ORDER BY that column, LIMIT.  These are the
-- columns that had no index; the others are served by sessions_expires_idx,
-- sessions_seen_idx (005), admin_sessions_expires_idx, captchas_expires_idx,
-- rate_events_at_idx, idempotency_keys_created_idx and
-- wizard_drafts_updated_idx.

-- hk_sms_codes: expires_at < cut-off (codes live 10 minutes).
CREATE INDEX sms_codes_expires_idx ON sms_codes (expires_at);

-- hk_sms_outbox: created_at < cut-off (sent or not, after 7 days).
CREATE INDEX sms_outbox_created_idx ON sms_outbox (created_at);

-- hk_admin_sessions_idle: last_seen_at < cut-off (as sessions_seen_idx).
CREATE INDEX admin_sessions_seen_idx ON admin_sessions (last_seen_at);
