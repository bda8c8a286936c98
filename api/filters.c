#include "api/filters.h"

#include <string.h>

static bool
allowed_key (const char *key, const char *const *allowed)
{
  for (; *allowed; allowed++)
    if (strcmp (*allowed, key) == 0)
      return true;
  return false;
}

json_object *
api_filters_parse (const char *text, const char *const *allowed, struct cd_err *err)
{
  json_object *in = json_tokener_parse (text);
  if (in == NULL || !json_object_is_type (in, json_type_object))
    {
      json_object_put (in);
      cd_err_set (err, EINVAL, "invalid filter: filters must be a JSON object, got `%s`", text);
      return NULL;
    }
  json_object *out = json_object_new_object ();
  json_object_object_foreach (in, key, val)
    {
      if (!allowed_key (key, allowed))
        {
          cd_err_set (err, EINVAL, "invalid filter '%s'", key);
          goto fail;
        }
      json_object *set = json_object_new_object ();
      json_object_object_add (out, key, set);
      if (json_object_is_type (val, json_type_array))
        {
          for (size_t i = 0; i < json_object_array_length (val); i++)
            {
              json_object *v = json_object_array_get_idx (val, i);
              if (!json_object_is_type (v, json_type_string))
                {
                  cd_err_set (err, EINVAL, "invalid filter '%s': values must be strings", key);
                  goto fail;
                }
              json_object_object_add (set, json_object_get_string (v),
                                      json_object_new_boolean (1));
            }
        }
      else if (json_object_is_type (val, json_type_object))
        {
          json_object_object_foreach (val, v, on)
            if (json_object_get_boolean (on))
              json_object_object_add (set, v, json_object_new_boolean (1));
        }
      else
        {
          cd_err_set (err, EINVAL, "invalid filter '%s': expected a list or a map of values", key);
          goto fail;
        }
    }
  json_object_put (in);
  return out;
fail:
  json_object_put (in);
  json_object_put (out);
  return NULL;
}

int
api_filters (struct api_req *req, const char *const *allowed, json_object **out)
{
  *out = NULL;
  const char *text = api_query (req, "filters");
  if (text == NULL || *text == '\0')
    return 0;
  struct cd_err err = { 0 };
  *out = api_filters_parse (text, allowed, &err);
  if (*out == NULL)
    {
      api_reply_error (req, 400, "%s", err.msg);
      return -EINVAL;
    }
  return 0;
}
