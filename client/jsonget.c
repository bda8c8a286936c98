#include "client/jsonget.h"

#include <string.h>

json_object *
cli_json_path (json_object *o, const char *path)
{
  char key[256];
  while (o && *path)
    {
      size_t n = strcspn (path, ".");
      if (n >= sizeof key || !json_object_is_type (o, json_type_object))
        return NULL;
      memcpy (key, path, n);
      key[n] = '\0';
      if (!json_object_object_get_ex (o, key, &o))
        return NULL;
      path += n + (path[n] == '.');
    }
  return o;
}

const char *
cli_json_str (json_object *o, const char *path)
{
  json_object *v = cli_json_path (o, path);
  return v && json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
}

const char *
cli_json_strd (json_object *o, const char *path, const char *def)
{
  const char *s = cli_json_str (o, path);
  return s ? s : def;
}

int64_t
cli_json_int (json_object *o, const char *path, int64_t def)
{
  json_object *v = cli_json_path (o, path);
  if (v && (json_object_is_type (v, json_type_int) || json_object_is_type (v, json_type_double)))
    return json_object_get_int64 (v);
  return def;
}

int
cli_json_bool (json_object *o, const char *path, int def)
{
  json_object *v = cli_json_path (o, path);
  return v && json_object_is_type (v, json_type_boolean) ? json_object_get_boolean (v) : def;
}
