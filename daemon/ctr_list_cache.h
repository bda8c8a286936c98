/* GET /containers/json answered from a small cache: dashboards poll the list
 * many times a second, and building it parses three JSON columns of every
 * container. An answer is reused only for the same query, in the same wall
 * clock second (its "Up 5 seconds" texts are computed to the second), while
 * the store's containers generation is unchanged (store.h). */
#ifndef CD_CTR_LIST_CACHE_H
#define CD_CTR_LIST_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

/* The list's JSON text and a newline in *body (malloc'd), as ctr_list_json
 * builds it and api_reply_json writes it. */
int ctr_list_text (struct cd_daemon *d, bool all, int64_t limit, json_object *filters,
                   char **body, struct cd_err *err);
void ctr_list_cache_free (struct cd_daemon *d);

#endif
