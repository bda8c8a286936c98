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
/* GET /system/df (api/df.c). */
int api_system_df (struct api_req *req);

#endif
