/* runtime/jsonget: typed getters over json-c objects whose errors name the
 * config.json key ("process.cwd: must be a string"). A missing key leaves
 * *out untouched and returns 0 unless the getter is told it is required. */
#ifndef CD_RUNTIME_JSONGET_H
#define CD_RUNTIME_JSONGET_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "err.h"

/* Child object (object type checked); NULL when missing. */
int rt_js_obj (json_object *o, const char *key, const char *where, json_object **out,
               struct cd_err *err);
/* Child array (type checked); NULL when missing. */
int rt_js_arr (json_object *o, const char *key, const char *where, json_object **out,
               struct cd_err *err);
/* strdup'd string. */
int rt_js_str (json_object *o, const char *key, const char *where, bool required, char **out,
               struct cd_err *err);
/* NULL-terminated strdup'd string array (empty array → one NULL). */
int rt_js_strv (json_object *o, const char *key, const char *where, char ***out,
                struct cd_err *err);
int rt_js_bool (json_object *o, const char *key, const char *where, bool *out,
                struct cd_err *err);
/* Integer within [min, max]; *present set when given (may be NULL). */
int rt_js_int (json_object *o, const char *key, const char *where, int64_t min, int64_t max,
               int64_t *out, bool *present, struct cd_err *err);
/* Unsigned 64-bit (rlimits). */
int rt_js_u64 (json_object *o, const char *key, const char *where, uint64_t *out,
               struct cd_err *err);

#endif
