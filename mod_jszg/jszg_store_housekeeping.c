/*
 * jszg_store_housekeeping.c -- the SQL of the housekeeping job
 * (jszg_housekeeping.c): deleting the rows whose time has passed.
 *
 * Each statement deletes at most HK_BATCH rows, the oldest first, so that
 * a large backlog never holds a long lock or a long transaction: the job
 * repeats a statement while it finds a full batch.  The shape is the same
 * for every table and runs unchanged on both engines (DELETE ... LIMIT is
 * not SQL):
 *
 *   DELETE FROM t WHERE pk IN (SELECT pk FROM t
 *                              WHERE col < %lld ORDER BY col LIMIT n)
 *
 * - one range on one indexed column, never an OR of two ranges (the
 *   generic plan of an OR of parameter ranges is a sequential scan);
 * - ORDER BY the indexed column: with a LIMIT it makes the index scan the
 *   cheap plan even in PostgreSQL's generic plan (which guesses that a
 *   third of the table matches, and would otherwise read the heap in
 *   order until it has found n rows -- the whole table when only a few
 *   are old);
 * - the LIMIT is a literal, so that the generic plan knows it is small
 *   (a parameter LIMIT is planned as 10 % of the rows) and probes the
 *   primary key n times instead of hashing the whole table.
 *
 * The cut-off (%lld, epoch seconds) is computed by the job from the real
 * clock; the rule behind each is given next to its statement.  Indexes:
 * sql/<engine>/001-006 (006_housekeeping.sql added the missing ones).
 */
#include "jszg_store.h"
#include <stddef.h>

/* Rows per statement.  Also in jszg_housekeeping.c (HK_BATCH_ROWS). */
#define HK_BATCH "500"

#define HK_DELETE(table, pk, col) \
    "DELETE FROM " table " WHERE " pk " IN (SELECT " pk " FROM " table \
    " WHERE " col " < %lld ORDER BY " col " LIMIT " HK_BATCH ")"

const jszg_stmt jszg_housekeeping_stmts[] = {
    /* sessions past their absolute end: expires_at = login (or first
     * visit) + JszgSessionMaxLife, and jszg_session_get() refuses such a
     * session.  Cut-off: HK_MARGIN (5 minutes) before now, for front ends
     * whose clocks run a little behind.  Index sessions_expires_idx. */
    { "hk_sessions_expired",
      HK_DELETE("sessions", "id_hash", "expires_at") },
    /* sessions idle for longer than JszgSessionIdle (the largest of all
     * virtual hosts: they may share the database) plus HK_MARGIN: a
     * request that read the session just before its idle limit refreshes
     * last_seen_at when it ends, and front ends' clocks may differ a
     * little; the margin keeps the job from deleting a row under them.
     * Index sessions_seen_idx (005). */
    { "hk_sessions_idle",
      HK_DELETE("sessions", "id_hash", "last_seen_at") },
    /* back-office sessions: the same two rules with the same directives
     * (jszg_admin_auth.c uses JszgSessionIdle / JszgSessionMaxLife).
     * Indexes admin_sessions_expires_idx, admin_sessions_seen_idx (006). */
    { "hk_admin_sessions_expired",
      HK_DELETE("admin_sessions", "id_hash", "expires_at") },
    { "hk_admin_sessions_idle",
      HK_DELETE("admin_sessions", "id_hash", "last_seen_at") },
    /* slider captchas live JSZG_CAPTCHA_TTL (2 minutes) and are used once;
     * kept one hour past expires_at, as the request-path sweep this job
     * replaces did, so that a late answer is still told 已过期 rather
     * than 已失效.  Index captchas_expires_idx. */
    { "hk_captchas",
      HK_DELETE("captchas", "id_hash", "expires_at") },
    /* SMS codes live JSZG_CODE_TTL (10 minutes); an expired code is
     * refused like a missing one, and only the newest code of an account
     * and purpose is ever read.  Kept one hour past expires_at (clock
     * skew between front ends, the test clock).  The sending limits are
     * rate_events rows, not these.  Index sms_codes_expires_idx (006). */
    { "hk_sms_codes",
      HK_DELETE("sms_codes", "id", "expires_at") },
    /* rate-limit and throttle events (acct.*, admin.login_*, cert_query).
     * The longest window anything counts over is a Beijing calendar day
     * (SMS codes per phone, 实名核验 per account: since local midnight, at
     * most 24 h back); the others are 10 minutes to 1 hour.  Cut-off: two
     * days, one day of margin.  Index rate_events_at_idx. */
    { "hk_rate_events",
      HK_DELETE("rate_events", "id", "at") },
    /* idempotency keys of the wizard's submission (步骤六): a replay of
     * the submit finds its 报名号 here instead of a 409 no_draft (the draft
     * is gone with the first commit).  A replay needs the account logged
     * in; a session lives at most JszgSessionMaxLife, and the directive
     * allows up to 7 days.  Kept 7 days after created_at, so that any
     * replay from the session that submitted -- and a client that logs in
     * again after a crash within the week -- gets the same answer.  Index
     * idempotency_keys_created_idx. */
    { "hk_idempotency_keys",
      HK_DELETE("idempotency_keys", "key_hash", "created_at") },
    /* the SMS outbox: every message carries a 10-minute code; the relay
     * (jszg_sms.c) sends a row within seconds or gives up after
     * JSZG_SMS_TRIES tries, and without a gateway the rows only feed the
     * dev page /dev/sms.  Kept 7 days after created_at (support questions:
     * "我没有收到短信"), sent or not: an unsent row that old holds an expired
     * code.  Index sms_outbox_created_idx (006). */
    { "hk_sms_outbox",
      HK_DELETE("sms_outbox", "id", "created_at") },
    /* the wizard's drafts: jszg_wz_draft_load() discards a draft idle for
     * longer than JszgWizardDraftIdle; one whose applicant never comes
     * back would stay for ever.  Cut-off: the largest JszgWizardDraftIdle
     * of all virtual hosts plus HK_MARGIN (a request in flight touches
     * updated_at).  Index wizard_drafts_updated_idx. */
    { "hk_wizard_drafts",
      HK_DELETE("wizard_drafts", "account_id", "updated_at") },
    /* Every upload path one account's rows refer to (relative to
     * JszgUploadDir): its applications' photos (submitted, whatever the
     * status), hand-entered certificates' scans, identity review photos,
     * the wizard draft's photo (inside its JSON: the job looks for the
     * path in the text) and certificates' photos.  The job removes a file
     * under <kind>/<account>/ only when none of these names it.  Each
     * part is an index lookup on the account (applications_account_idx,
     * manual_certificates' UNIQUE (account_id, cert_no),
     * identity_reviews_account_idx, the drafts' primary key,
     * certificates_holder_idx). */
    { "hk_upload_refs",
      "SELECT photo_path AS path FROM applications WHERE account_id = %lld "
      "UNION ALL SELECT photo_path FROM manual_certificates "
      "WHERE account_id = %lld "
      "UNION ALL SELECT front_path FROM identity_reviews "
      "WHERE account_id = %lld "
      "UNION ALL SELECT back_path FROM identity_reviews "
      "WHERE account_id = %lld "
      "UNION ALL SELECT data FROM wizard_drafts WHERE account_id = %lld "
      "UNION ALL SELECT c.photo_path FROM certificates c "
      "JOIN accounts a ON a.id_number = c.id_number WHERE a.id = %lld" },
    { NULL, NULL }
};
