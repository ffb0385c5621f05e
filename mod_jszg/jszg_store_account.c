/*
 * jszg_store_account.c -- the SQL of accounts and identity (captchas,
 * login, rate limits, SMS codes, 实名核验, 人工审核).  Placeholders:
 * %s text, %d INTEGER, %lld BIGINT (ids and epoch seconds), %pDd DATE.
 */
#include "jszg_store.h"
#include <stddef.h>

const jszg_stmt jszg_account_stmts[] = {
    /* ---- slider captcha: answered challenges only (single use) ---- */
    { "acct_captcha_get",
      "SELECT used_at FROM captchas WHERE id_hash = %s" },
    /* only the first answer inserts the row (n = 1) */
    { "acct_captcha_use",
      "INSERT INTO captchas (id_hash, mode, seed, answer, owner, issued_ms, "
      "expires_at, used_at, ip) VALUES (%s, %s, %lld, %d, %s, %lld, %lld, "
      "%lld, %s) ON CONFLICT (id_hash) DO NOTHING" },

    /* ---- accounts ---- */
    { "acct_by_number",
      "SELECT id, id_type, id_number, name, phone, password_hash, verified, "
      "last_login_at FROM accounts WHERE id_number = %s "
      "ORDER BY id LIMIT 1" },
    { "acct_get",
      "SELECT id, id_type, id_number, name, phone, ethnicity, sex, "
      "birth_date, address, postcode, email, verified, verified_at, "
      "created_at, last_login_at, password_changed_at "
      "FROM accounts WHERE id = %lld" },
    { "acct_secret",
      "SELECT id_number, password_hash FROM accounts WHERE id = %lld" },
    { "acct_insert",
      "INSERT INTO accounts (id_type, id_number, name, phone, password_hash, "
      "sex, birth_date, verified, created_at, updated_at, "
      "password_changed_at) "
      "VALUES (%s, %s, %s, %s, %s, %s, %pDd, 0, %lld, %lld, %lld)" },
    { "acct_login_ok",
      "UPDATE accounts SET last_login_at = %lld WHERE id = %lld" },
    { "acct_set_password",
      "UPDATE accounts SET password_hash = %s, password_changed_at = %lld, "
      "updated_at = %lld WHERE id = %lld" },
    { "acct_update_profile",
      "UPDATE accounts SET ethnicity = %s, sex = %s, birth_date = %pDd, "
      "address = %s, postcode = %s, email = %s, updated_at = %lld "
      "WHERE id = %lld" },
    { "acct_set_phone",
      "UPDATE accounts SET phone = %s, updated_at = %lld WHERE id = %lld" },
    { "acct_set_verified",
      "UPDATE accounts SET verified = 1, verified_at = %lld, name = %s, "
      "updated_at = %lld WHERE id = %lld" },
    { "acct_set_verify_state",
      "UPDATE accounts SET verified = %d, updated_at = %lld WHERE id = %lld" },

    /* ---- every rate limit and throttle (rate_events; jszg_rate.c):
     * kinds 'acct.*', 'admin.login_*', 'cert_query', 'wz.school_add' ---- */
    { "rate_count",
      "SELECT COUNT(*) AS n FROM rate_events "
      "WHERE kind = %s AND key = %s AND at > %lld AND at <= %lld" },
    { "rate_nth",
      "SELECT at FROM rate_events "
      "WHERE kind = %s AND key = %s AND at > %lld AND at <= %lld "
      "ORDER BY at DESC LIMIT 1 OFFSET %d" },
    { "rate_add",
      "INSERT INTO rate_events (kind, key, at) VALUES (%s, %s, %lld)" },
    { "rate_clear",
      "DELETE FROM rate_events WHERE kind = %s AND key = %s" },
    /* (kind, length of the prefix, prefix): keys "<login>|<address>" */
    { "rate_clear_prefix",
      "DELETE FROM rate_events WHERE kind = %s "
      "AND substr(key, 1, %d) = %s" },

    /* ---- SMS codes and the outbox ---- */
    { "acct_sms_insert",
      "INSERT INTO sms_outbox (phone, body, purpose, created_at) "
      "VALUES (%s, %s, %s, %lld)" },
    { "acct_sms_list",
      "SELECT id, phone, body, purpose, created_at, sent_at "
      "FROM sms_outbox ORDER BY id DESC LIMIT 50" },
    { "acct_code_insert",
      "INSERT INTO sms_codes (purpose, account_id, phone, code_hash, "
      "created_at, expires_at) VALUES (%s, %lld, %s, %s, %lld, %lld)" },
    { "acct_code_latest",
      "SELECT id, phone, code_hash, expires_at, tries, used_at "
      "FROM sms_codes WHERE account_id = %lld AND purpose = %s "
      "ORDER BY created_at DESC, id DESC LIMIT 1" },
    { "acct_code_try",
      "UPDATE sms_codes SET tries = tries + 1 WHERE id = %lld" },
    { "acct_code_use",
      "UPDATE sms_codes SET used_at = %lld "
      "WHERE id = %lld AND used_at IS NULL" },
    { "acct_code_void",
      "UPDATE sms_codes SET used_at = %lld "
      "WHERE account_id = %lld AND purpose = %s AND used_at IS NULL" },

    /* ---- 实名核验 and 人工审核 ---- */
    /* the one place the public-security stand-in is read */
    { "acct_idreg_match",
      "SELECT id FROM identity_registry "
      "WHERE id_type = %s AND id_number = %s AND name = %s" },
    { "acct_review_insert",
      "INSERT INTO identity_reviews (account_id, id_type, id_number, name, "
      "front_path, back_path, status, submitted_at) "
      "VALUES (%lld, %s, %s, %s, %s, %s, '人工审核中', %lld)" },
    { "acct_review_get",
      "SELECT id, account_id, name, status FROM identity_reviews "
      "WHERE id = %lld" },
    { "acct_review_decide",
      "UPDATE identity_reviews SET status = %s, decided_at = %lld, "
      "decided_by = %s, note = %s "
      "WHERE id = %lld AND status = '人工审核中'" },
    { "acct_review_pending",
      "SELECT r.id, r.account_id, r.id_type, r.id_number, r.name, "
      "r.submitted_at, r.front_path, r.back_path, a.name AS account_name "
      "FROM identity_reviews r JOIN accounts a ON a.id = r.account_id "
      "WHERE r.status = '人工审核中' ORDER BY r.submitted_at, r.id "
      "LIMIT 100" },
    { NULL, NULL }
};
