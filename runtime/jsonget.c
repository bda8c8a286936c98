#include "jsonget.h"

#include <stdlib.h>
#include <string.h>

static json_object *
child (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (o == NULL || !json_object_object_get_ex (o, key, &v))
    return NULL;
  return v;                     /* NULL for an explicit null too */
}

static int
typed (json_object *o, const char *key, const char *where, json_type t, const char *what,
       json_object **out, struct cd_err *err)
{
  json_object *v = child (o, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_object_is_type (v, t))
    return cd_err_set (err, EINVAL, "%s%s%s: must be %s", where ? where : "", where ? "." : "",
                       key, what);
  *out = v;
  return 0;
}

int
rt_js_obj (json_object *o, const char *key, const char *where, json_object **out,
           struct cd_err *err)
{
  return typed (o, key, where, json_type_object, "an object", out, err);
}

int
rt_js_arr (json_object *o, const char *key, const char *where, json_object **out,
           struct cd_err *err)
{
  return typed (o, key, where, json_type_array, "an array", out, err);
}

int
rt_js_str (json_object *o, const char *key, const char *where, bool required, char **out,
           struct cd_err *err)
{
  json_object *v;
  int r = typed (o, key, where, json_type_string, "a string", &v, err);
  if (r < 0)
    return r;
  if (v == NULL)
    {
      if (required)
        return cd_err_set (err, EINVAL, "%s%s%s: required", where ? where : "",
                           where ? "." : "", key);
      return 0;
    }
  char *s = strdup (json_object_get_string (v));
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  free (*out);
  *out = s;
  return 0;
}

int
rt_js_strv (json_object *o, const char *key, const char *where, char ***out,
            struct cd_err *err)
{
  json_object *a;
  int r = rt_js_arr (o, key, where, &a, err);
  if (r < 0 || a == NULL)
    return r;
  size_t n = json_object_array_length (a);
  char **v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      if (!json_object_is_type (e, json_type_string))
        {
          for (size_t j = 0; j < i; j++)
            free (v[j]);
          free (v);
          return cd_err_set (err, EINVAL, "%s%s%s[%zu]: must be a string", where ? where : "",
                             where ? "." : "", key, i);
        }
      if ((v[i] = strdup (json_object_get_string (e))) == NULL)
        {
          for (size_t j = 0; j < i; j++)
            free (v[j]);
          free (v);
          return cd_err_set (err, ENOMEM, "out of memory");
        }
    }
  for (size_t i = 0; *out && (*out)[i]; i++)
    free ((*out)[i]);
  free (*out);
  *out = v;
  return 0;
}

int
rt_js_bool (json_object *o, const char *key, const char *where, bool *out,
            struct cd_err *err)
{
  json_object *v;
  int r = typed (o, key, where, json_type_boolean, "a boolean", &v, err);
  if (r == 0 && v)
    *out = json_object_get_boolean (v);
  return r;
}

int
rt_js_int (json_object *o, const char *key, const char *where, int64_t min, int64_t max,
           int64_t *out, bool *present, struct cd_err *err)
{
  json_object *v;
  int r = typed (o, key, where, json_type_int, "an integer", &v, err);
  if (r < 0 || v == NULL)
    return r;
  errno = 0;
  int64_t x = json_object_get_int64 (v);
  if (errno != 0 || x < min || x > max)
    return cd_err_set (err, ERANGE, "%s%s%s: %s out of range [%lld, %lld]", where ? where : "",
                       where ? "." : "", key, json_object_to_json_string (v), (long long) min,
                       (long long) max);
  *out = x;
  if (present)
    *present = true;
  return 0;
}

int
rt_js_u64 (json_object *o, const char *key, const char *where, uint64_t *out,
           struct cd_err *err)
{
  json_object *v;
  int r = typed (o, key, where, json_type_int, "an integer", &v, err);
  if (r < 0 || v == NULL)
    return r;
  if (json_object_get_int64 (v) < 0)
    return cd_err_set (err, ERANGE, "%s%s%s: must not be negative", where ? where : "",
                       where ? "." : "", key);
  *out = json_object_get_uint64 (v);
  return 0;
}
