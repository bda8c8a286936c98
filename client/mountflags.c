#include "client/mountflags.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static json_object *
sub (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, k, &v))
    {
      v = json_object_new_object ();
      json_object_object_add (o, k, v);
    }
  return v;
}

/* Docker's RAMInBytes: a number with an optional b/k/m/g (binary) suffix. */
static long long
ram_bytes (const char *s)
{
  char *end;
  double v = strtod (s, &end);
  if (end == s || v < 0)
    return -1;
  long long mult = 1;
  switch (*end)
    {
    case 'b': case 'B': end++; break;
    case 'k': case 'K': mult = 1LL << 10; end++; break;
    case 'm': case 'M': mult = 1LL << 20; end++; break;
    case 'g': case 'G': mult = 1LL << 30; end++; break;
    case 't': case 'T': mult = 1LL << 40; end++; break;
    default: break;
    }
  if ((*end == 'b' || *end == 'B') && mult > 1)
    end++;
  if (*end == 'i' && (end[1] == 'b' || end[1] == 'B'))
    end += 2;
  return *end ? -1 : (long long) (v * (double) mult);
}

static int
bool_value (const char *key, const char *val, const char *word, int *out, struct cd_err *err)
{
  if (val == NULL)
    {
      *out = 1;
      return 0;
    }
  if (cli_parse_bool (val, out) < 0)
    return cd_err_set (err, EINVAL, "invalid value for %s: %s", key, word);
  return 0;
}

/* key=value into a sub-object ("volume-label=a=b"). */
static int
kv_into (json_object *o, const char *val, const char *word, struct cd_err *err)
{
  if (val == NULL)
    return cd_err_set (err, EINVAL, "invalid field '%s' must be a key=value pair", word);
  const char *eq = strchr (val, '=');
  cleanup_free char *k = strndup (val, eq ? (size_t) (eq - val) : strlen (val));
  if (k == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  json_object_object_add (o, k, json_object_new_string (eq ? eq + 1 : ""));
  return 0;
}

static int
mount_word (json_object *m, const char *word, const char *spec, struct cd_err *err)
{
  const char *eq = strchr (word, '=');
  cleanup_free char *key = strndup (word, eq ? (size_t) (eq - word) : strlen (word));
  const char *val = eq ? eq + 1 : NULL;
  int b;
  if (key == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0)
    {
      if (bool_value (key, val, word, &b, err) < 0)
        return -EINVAL;
      json_object_object_add (m, "ReadOnly", json_object_new_boolean (b));
      return 0;
    }
  if (strcmp (key, "volume-nocopy") == 0)
    {
      if (bool_value (key, val, word, &b, err) < 0)
        return -EINVAL;
      json_object_object_add (sub (m, "VolumeOptions"), "NoCopy", json_object_new_boolean (b));
      return 0;
    }
  if (val == NULL)
    return cd_err_set (err, EINVAL, "invalid field '%s' must be a key=value pair", word);
  if (strcmp (key, "type") == 0)
    json_object_object_add (m, "Type", json_object_new_string (val));
  else if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
    json_object_object_add (m, "Source", json_object_new_string (val));
  else if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0
           || strcmp (key, "destination") == 0)
    json_object_object_add (m, "Target", json_object_new_string (val));
  else if (strcmp (key, "consistency") == 0)
    json_object_object_add (m, "Consistency", json_object_new_string (val));
  else if (strcmp (key, "bind-propagation") == 0)
    json_object_object_add (sub (m, "BindOptions"), "Propagation", json_object_new_string (val));
  else if (strcmp (key, "volume-driver") == 0)
    json_object_object_add (sub (sub (m, "VolumeOptions"), "DriverConfig"), "Name",
                            json_object_new_string (val));
  else if (strcmp (key, "volume-label") == 0)
    return kv_into (sub (sub (m, "VolumeOptions"), "Labels"), val, word, err);
  else if (strcmp (key, "volume-opt") == 0)
    return kv_into (sub (sub (sub (m, "VolumeOptions"), "DriverConfig"), "Options"), val, word,
                    err);
  else if (strcmp (key, "tmpfs-size") == 0)
    {
      long long n = ram_bytes (val);
      if (n < 0)
        return cd_err_set (err, EINVAL, "invalid value for %s: %s", key, val);
      json_object_object_add (sub (m, "TmpfsOptions"), "SizeBytes", json_object_new_int64 (n));
    }
  else if (strcmp (key, "tmpfs-mode") == 0)
    {
      char *end;
      long mode = strtol (val, &end, 8);
      if (*end || end == val || mode < 0)
        return cd_err_set (err, EINVAL, "invalid value for %s: %s", key, val);
      json_object_object_add (sub (m, "TmpfsOptions"), "Mode", json_object_new_int64 (mode));
    }
  else
    return cd_err_set (err, EINVAL, "unexpected key '%s' in '%s'", key, spec);
  return 0;
}

static int
check_mixed (json_object *m, struct cd_err *err)
{
  json_object *t;
  const char *type = json_object_object_get_ex (m, "Type", &t) ? json_object_get_string (t)
                                                                : "volume";
  if (json_object_object_get_ex (m, "Target", &t) == 0)
    return cd_err_set (err, EINVAL, "target is required");
  static const struct { const char *field, *type, *prefix; } own[] = {
    { "BindOptions", "bind", "bind" }, { "VolumeOptions", "volume", "volume" },
    { "TmpfsOptions", "tmpfs", "tmpfs" },
  };
  for (int i = 0; i < 3; i++)
    if (json_object_object_get_ex (m, own[i].field, &t) && strcmp (type, own[i].type) != 0)
      return cd_err_set (err, EINVAL, "cannot mix '%s-*' options with mount type '%s'",
                         own[i].prefix, type);
  return 0;
}

int
cli_parse_mount (const char *spec, json_object **out, struct cd_err *err)
{
  json_object *m = json_object_new_object ();
  cleanup_free char *copy = strdup (spec);
  if (m == NULL || copy == NULL)
    {
      json_object_put (m);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  int r = 0;
  for (char *save = NULL, *w = strtok_r (copy, ",", &save); w && r == 0;
       w = strtok_r (NULL, ",", &save))
    r = mount_word (m, w, spec, err);
  if (r == 0)
    r = check_mixed (m, err);
  json_object *t;
  if (r == 0 && !json_object_object_get_ex (m, "Type", &t))
    json_object_object_add (m, "Type", json_object_new_string ("volume"));
  if (r < 0)
    {
      json_object_put (m);
      return r;
    }
  *out = m;
  return 0;
}

static json_object *
array_of (json_object *o, const char *k)
{
  json_object *v;
  if (json_object_object_get_ex (o, k, &v))
    return v;
  v = json_object_new_array ();
  json_object_object_add (o, k, v);
  return v;
}

int
cli_mount_flags (const struct cli_args *args, json_object *body, json_object *hc,
                 struct cd_err *err)
{
  size_t n;
  const char *const *vols = cli_args_list (args, "volume", &n);
  for (size_t i = 0; i < n; i++)
    {
      if (strchr (vols[i], ':'))
        json_object_array_add (array_of (hc, "Binds"), json_object_new_string (vols[i]));
      else
        {
          json_object *v;
          if (!json_object_object_get_ex (body, "Volumes", &v))
            {
              v = json_object_new_object ();
              json_object_object_add (body, "Volumes", v);
            }
          json_object_object_add (v, vols[i], json_object_new_object ());
        }
    }
  const char *const *mounts = cli_args_list (args, "mount", &n);
  for (size_t i = 0; i < n; i++)
    {
      json_object *m;
      int r = cli_parse_mount (mounts[i], &m, err);
      if (r < 0)
        return cd_err_wrap (err, "invalid argument \"%s\" for \"--mount\" flag", mounts[i]);
      json_object_array_add (array_of (hc, "Mounts"), m);
    }
  const char *const *from = cli_args_list (args, "volumes-from", &n);
  for (size_t i = 0; i < n; i++)
    json_object_array_add (array_of (hc, "VolumesFrom"), json_object_new_string (from[i]));
  return 0;
}
