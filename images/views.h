/* Docker-shaped JSON views of stored images. */
#ifndef CD_IMG_VIEWS_H
#define CD_IMG_VIEWS_H

#include <json-c/json.h>

#include "images/images.h"

/* GET /images/{name}/json */
int img_inspect_json (struct img_store *is, const char *id, json_object **out,
                      struct cd_err *err);
/* GET /images/json; filters (normalised map form) may be NULL. */
int img_list_json (struct img_store *is, bool digests, json_object *filters, json_object **out,
                   struct cd_err *err);
/* GET /images/{name}/history */
int img_history_json (struct img_store *is, const char *id, json_object **out,
                      struct cd_err *err);

#endif
