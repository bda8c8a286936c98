#ifndef CD_API_ROUTER_H
#define CD_API_ROUTER_H

#include "api/http.h"

/* Route tables, one per resource file, each ending with { NULL }. */
extern const struct api_route api_system_routes[];
extern const struct api_route api_image_routes[];
extern const struct api_route api_container_routes[];
extern const struct api_route api_container_run_routes[];
extern const struct api_route api_container_top_routes[];
extern const struct api_route api_container_res_routes[];
extern const struct api_route api_image_io_routes[];
extern const struct api_route api_volume_routes[];
extern const struct api_route api_exec_routes[];
extern const struct api_route api_attach_routes[];
/* ?h=&w= of the resize endpoints (api/exec.c); replies 400 and returns -1 when not integers. */
int api_resize_params (struct api_req *req, long *h, long *w);
/* api/containers_run.c: attach without stream (the log so far). */
int api_attach_logs (struct api_req *req);
extern const struct api_route api_stats_routes[];
extern const struct api_route api_metrics_routes[];
extern const struct api_route api_registry_routes[];

/* Strips an optional /v1.NN prefix. Returns 0 with *minor set, or -EINVAL with
 * a Docker-shaped message in err (too new / too old / malformed). */
int api_parse_version (const char *url, const char **rest, int *minor, struct cd_err *err);
/* Finds the route for method+path; fills req->params. NULL when none. */
const struct api_route *api_route_match (struct api_req *req, const char *method,
                                         const char *path, bool *path_known);

#endif
