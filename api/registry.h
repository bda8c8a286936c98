/* Registry endpoints (api/registry.c). */
#ifndef CD_API_REGISTRY_H
#define CD_API_REGISTRY_H

#include "api/http.h"

/* POST /images/create?fromImage=image[&tag=]: a pull, streamed. */
int api_registry_pull (struct api_req *req, const char *image);

#endif
