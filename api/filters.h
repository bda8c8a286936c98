/* Docker's `filters` query parameter: {"key":{"value":true}} or the older
 * {"key":["value"]}. Normalised to the map-of-true form. */
#ifndef CD_API_FILTERS_H
#define CD_API_FILTERS_H

#include <json-c/json.h>

#include "api/http.h"

/* Parses the `filters` query parameter; *out is NULL when absent. Unknown keys
 * (not in allowed, NULL-terminated) and malformed JSON reply 400 and return -EINVAL. */
int api_filters (struct api_req *req, const char *const *allowed, json_object **out);
/* Normalises a filters object; returns a new object or NULL with err set. */
json_object *api_filters_parse (const char *text, const char *const *allowed,
                                struct cd_err *err);

#endif
