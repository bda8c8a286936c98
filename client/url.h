/* Query strings for API paths: "/events?since=1700000000&filters=%7B...%7D". */
#ifndef CLI_URL_H
#define CLI_URL_H

#include <stddef.h>

/* Percent-encodes everything but RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - _ . ~). Returns malloc'd text or NULL on ENOMEM. */
char *cli_url_escape (const char *s);

/* Builds "?k=v&k2=v2" one parameter at a time; starts zeroed:
 * struct cli_query q = { 0 }. An allocation failure is remembered and
 * reported by cli_query_finish. */
struct cli_query
{
  char *buf;
  size_t len, cap;
  int failed;
};

/* Appends key=value (value escaped); a NULL value adds nothing. */
void cli_query_add (struct cli_query *q, const char *key, const char *value);
void cli_query_add_int (struct cli_query *q, const char *key, long long value);
/* Appends key=1 when on, nothing otherwise (docker's boolean style). */
void cli_query_add_bool (struct cli_query *q, const char *key, int on);

/* Returns malloc'd path + query ("/events" or "/events?since=1") and
 * releases q; NULL on ENOMEM. */
char *cli_query_finish (struct cli_query *q, const char *path);
void cli_query_free (struct cli_query *q);

#endif
