/* jszg_sms.h -- the SMS outbox relay (jszg_sms.c). */
#ifndef JSZG_SMS_H
#define JSZG_SMS_H

/* Check a JszgSmsGateway value: *url is the URL, or NULL for "none".
 * Returns NULL or a message naming the directive. */
const char *jszg_sms_parse_gateway(apr_pool_t *p, const char *arg,
                                   const char **url);

/* post_config: start the relay for every server with a gateway. */
apr_status_t jszg_sms_start(apr_pool_t *p, server_rec *s);

#endif /* JSZG_SMS_H */
