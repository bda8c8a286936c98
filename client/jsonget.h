/* Reading fields of the daemon's JSON answers without ceremony. */
#ifndef CLI_JSONGET_H
#define CLI_JSONGET_H

#include <stdint.h>

#include <json-c/json.h>

/* The member at a dotted path ("Actor.ID"), or NULL. */
json_object *cli_json_path (json_object *o, const char *path);

/* Strings: NULL when missing or not a string. cli_json_strd gives def then. */
const char *cli_json_str (json_object *o, const char *path);
const char *cli_json_strd (json_object *o, const char *path, const char *def);

/* Numbers (integers or doubles) and booleans, def when missing. */
int64_t cli_json_int (json_object *o, const char *path, int64_t def);
int cli_json_bool (json_object *o, const char *path, int def);

static inline void
cli_json_putp (json_object **o)
{
  if (*o)
    json_object_put (*o);
}
#define cleanup_json __attribute__ ((cleanup (cli_json_putp)))

#endif
