/* GET /metrics (Prometheus text format) and the request counters it shows. */
#ifndef CD_API_METRICS_H
#define CD_API_METRICS_H

#include <stdint.h>

#include "api/http.h"

/* Monotonic nanoseconds (request start). */
int64_t api_metrics_now (void);
/* Counts a finished request: route, method, status and latency. */
void api_metrics_observe (struct cd_daemon *d, const struct api_req *req);
void api_metrics_free (struct cd_daemon *d);
/* The whole exposition text (malloc'd), NULL when out of memory. */
char *api_metrics_text (struct cd_daemon *d);
/* --metrics-addr: serves GET /metrics on that TCP address too (metrics_tcp.c);
 * the listener is closed by api_metrics_free. */
struct mt_server;
int api_metrics_listen (struct cd_daemon *d, struct cd_err *err);
void api_metrics_tcp_close (struct mt_server *srv);
void api_metrics_set_listener (struct cd_daemon *d, struct mt_server *srv);
/* GET /system/df (api/df.c). */
int api_system_df (struct api_req *req);

#endif
