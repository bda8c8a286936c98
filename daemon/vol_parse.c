#include "daemon/vol_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

bool
vol_name_valid (const char *name)
{
  size_t n = strlen (name);
  if (n < 2 || n > 255)
    return false;
  char c = name[0];
  if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
    return false;
  return strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int
vol_name_error (const char *name, struct cd_err *err)
{
  return cd_err_set (err, EINVAL, "create %s: \"%s\" includes invalid characters for a local "
                     "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
                     "intended to pass a host directory, use absolute path", name, name);
}

static json_object *
new_mount (const char *type, const char *dst)
{
  json_object *m = json_object_new_object ();
  json_object_object_add (m, "Type", json_object_new_string (type));
  json_object_object_add (m, "Name", json_object_new_string (""));
  json_object_object_add (m, "Source", json_object_new_string (""));
  json_object_object_add (m, "Destination", json_object_new_string (dst));
  json_object_object_add (m, "Driver", json_object_new_string (strcmp (type, "volume") == 0
                                                               ? "local" : ""));
  json_object_object_add (m, "Mode", json_object_new_string (""));
  json_object_object_add (m, "RW", json_object_new_boolean (1));
  json_object_object_add (m, "Propagation", json_object_new_string (strcmp (type, "bind") == 0
                                                                    ? "rprivate" : ""));
  json_object_object_add (m, "CopyUp", json_object_new_boolean (strcmp (type, "volume") == 0));
  return m;
}

static bool
is_propagation (const char *w)
{
  static const char *const p[] = { "private", "rprivate", "shared", "rshared", "slave",
                                   "rslave", NULL };
  for (int i = 0; p[i]; i++)
    if (strcmp (w, p[i]) == 0)
      return true;
  return false;
}

/* Docker's ValidMountMode: at most one of rw/ro, one label mode (z/Z), one
 * propagation, one nocopy; nothing else. */
static int
apply_mode (json_object *m, const char *mode, struct cd_err *err)
{
  cleanup_free char *copy = strdup (mode);
  if (copy == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int rw = 0, label = 0, prop = 0, nocopy = 0;
  bool bind = strcmp (json_object_get_string (get (m, "Type")), "bind") == 0;
  for (char *save = NULL, *w = strtok_r (copy, ",", &save); w; w = strtok_r (NULL, ",", &save))
    {
      if (strcmp (w, "rw") == 0 || strcmp (w, "ro") == 0)
        {
          rw++;
          json_object_object_add (m, "RW", json_object_new_boolean (strcmp (w, "rw") == 0));
        }
      else if (strcmp (w, "z") == 0 || strcmp (w, "Z") == 0)
        label++;
      else if (is_propagation (w) && bind)
        {
          prop++;
          json_object_object_add (m, "Propagation", json_object_new_string (w));
        }
      else if (strcmp (w, "nocopy") == 0 && !bind)
        {
          nocopy++;
          json_object_object_add (m, "CopyUp", json_object_new_boolean (0));
        }
      else
        return cd_err_set (err, EINVAL, "invalid mode: %s", mode);
    }
  if (rw > 1 || label > 1 || prop > 1 || nocopy > 1 || mode[0] == '\0')
    return cd_err_set (err, EINVAL, "invalid mode: %s", mode);
  json_object_object_add (m, "Mode", json_object_new_string (mode));
  return 0;
}

static int
check_dest (const char *type, const char *dst, struct cd_err *err)
{
  if (dst[0] != '/')
    return cd_err_set (err, EINVAL, "invalid mount config for type \"%s\": invalid mount path: "
                       "'%s' mount path must be absolute", type, dst);
  if (strspn (dst, "/") == strlen (dst))
    return cd_err_set (err, EINVAL, "invalid specification: destination can't be '/'");
  return 0;
}

static int
split_spec (const char *spec, char *parts[3], int *n, struct cd_err *err)
{
  *n = 0;
  const char *p = spec;
  for (;;)
    {
      const char *c = strchr (p, ':');
      size_t len = c ? (size_t) (c - p) : strlen (p);
      if (*n == 3 || len == 0)
        return cd_err_set (err, EINVAL, "invalid spec: %s", spec);
      parts[(*n)++] = strndup (p, len);
      if (c == NULL)
        return 0;
      p = c + 1;
    }
}

int
vol_parse_bind (const char *spec, json_object **out, struct cd_err *err)
{
  char *parts[3] = { NULL, NULL, NULL };
  int n, r = split_spec (spec, parts, &n, err);
  json_object *m = NULL;
  if (r == 0 && n == 1)
    {
      m = new_mount ("volume", parts[0]);
      json_object_object_add (m, "Anonymous", json_object_new_boolean (1));
      r = check_dest ("volume", parts[0], err);
    }
  else if (r == 0)
    {
      const char *src = parts[0], *dst = parts[1];
      bool bind = src[0] == '/';
      m = new_mount (bind ? "bind" : "volume", dst);
      if (bind)
        {
          json_object_object_add (m, "Source", json_object_new_string (src));
          json_object_object_add (m, "CreateSource", json_object_new_boolean (1));
        }
      else
        {
          /* Docker's setBindModeIfNull for volumes of the local driver */
          json_object_object_add (m, "Name", json_object_new_string (src));
          json_object_object_add (m, "Mode", json_object_new_string ("z"));
        }
      if (n == 3)
        r = apply_mode (m, parts[2], err);
      if (r == 0)
        r = check_dest (bind ? "bind" : "volume", dst, err);
      if (r == 0 && !bind && !vol_name_valid (src))
        r = vol_name_error (src, err);
    }
  for (int i = 0; i < 3; i++)
    free (parts[i]);
  if (r < 0)
    {
      json_object_put (m);
      return r;
    }
  *out = m;
  return 0;
}

static const char *
str_field (json_object *o, const char *k)
{
  json_object *v = get (o, k);
  return v && json_object_is_type (v, json_type_string) ? json_object_get_string (v) : "";
}

static int
mount_err (const char *type, const char *msg, struct cd_err *err)
{
  return cd_err_set (err, EINVAL, "invalid mount config for type \"%s\": %s", type, msg);
}

static int
parse_volume_opts (json_object *m, json_object *in, const char *src, struct cd_err *err)
{
  json_object *vo = get (in, "VolumeOptions");
  if (src[0])
    {
      if (!vol_name_valid (src))
        return vol_name_error (src, err);
      json_object_object_add (m, "Name", json_object_new_string (src));
    }
  else
    json_object_object_add (m, "Anonymous", json_object_new_boolean (1));
  if (json_object_get_boolean (get (vo, "NoCopy")))
    json_object_object_add (m, "CopyUp", json_object_new_boolean (0));
  if (get (vo, "Labels"))
    json_object_object_add (m, "VolumeLabels", json_object_get (get (vo, "Labels")));
  if (get (get (vo, "DriverConfig"), "Options"))
    json_object_object_add (m, "VolumeOptions",
                            json_object_get (get (get (vo, "DriverConfig"), "Options")));
  return 0;
}

static int
parse_tmpfs_opts (json_object *m, json_object *in, struct cd_err *err)
{
  json_object *to = get (in, "TmpfsOptions");
  char data[128] = "";
  int64_t size = json_object_get_int64 (get (to, "SizeBytes"));
  int64_t mode = json_object_get_int64 (get (to, "Mode"));
  if (size < 0)
    return mount_err ("tmpfs", "invalid tmpfs size", err);
  size_t n = 0;
  if (size > 0)
    n += (size_t) snprintf (data + n, sizeof data - n, "size=%lldk",
                            (long long) ((size + 1023) / 1024));
  if (mode > 0)
    snprintf (data + n, sizeof data - n, "%smode=%llo", n ? "," : "", (long long) (mode & 07777));
  json_object_object_add (m, "TmpfsData", json_object_new_string (data));
  return 0;
}

int
vol_parse_mount (json_object *in, json_object **out, struct cd_err *err)
{
  if (!json_object_is_type (in, json_type_object))
    return cd_err_set (err, EINVAL, "invalid type for field HostConfig.Mounts: expected objects");
  const char *type = str_field (in, "Type"), *src = str_field (in, "Source");
  const char *dst = str_field (in, "Target");
  bool bind = strcmp (type, "bind") == 0, vol = strcmp (type, "volume") == 0;
  bool tmpfs = strcmp (type, "tmpfs") == 0;
  if (!bind && !vol && !tmpfs)
    return cd_err_set (err, EINVAL, "invalid mount config for type \"%s\": mount type unknown",
                       type);
  if (dst[0] == '\0')
    return mount_err (type, "field Target must not be empty", err);
  int r = check_dest (type, dst, err);
  if (r < 0)
    return r;
  if (!bind && get (in, "BindOptions"))
    return mount_err (type, "field BindOptions must not be specified", err);
  if (!vol && get (in, "VolumeOptions"))
    return mount_err (type, "field VolumeOptions must not be specified", err);
  if (!tmpfs && get (in, "TmpfsOptions"))
    return mount_err (type, "field TmpfsOptions must not be specified", err);
  if (bind && src[0] == '\0')
    return mount_err (type, "field Source must not be empty", err);
  if (bind && src[0] != '/')
    return cd_err_set (err, EINVAL, "invalid mount config for type \"bind\": invalid mount "
                       "path: '%s' mount path must be absolute", src);
  if (tmpfs && src[0])
    return mount_err (type, "field Source must not be specified", err);
  json_object *m = new_mount (type, dst);
  bool ro = json_object_get_boolean (get (in, "ReadOnly"));
  json_object_object_add (m, "RW", json_object_new_boolean (!ro));
  if (bind)
    {
      const char *prop = str_field (get (in, "BindOptions"), "Propagation");
      json_object_object_add (m, "Source", json_object_new_string (src));
      if (prop[0] && !is_propagation (prop))
        r = mount_err (type, "invalid propagation mode", err);
      else if (prop[0])
        json_object_object_add (m, "Propagation", json_object_new_string (prop));
    }
  else if (vol)
    r = parse_volume_opts (m, in, src, err);
  else
    r = parse_tmpfs_opts (m, in, err);
  if (r < 0)
    {
      json_object_put (m);
      return r;
    }
  *out = m;
  return 0;
}

int
vol_parse_volumes_from (const char *spec, char **name, int *rw, struct cd_err *err)
{
  const char *c = strchr (spec, ':');
  *rw = -1;
  if (c)
    {
      if (strcmp (c + 1, "ro") == 0)
        *rw = 0;
      else if (strcmp (c + 1, "rw") == 0)
        *rw = 1;
      else
        return cd_err_set (err, EINVAL, "invalid mode: %s", c + 1);
    }
  size_t len = c ? (size_t) (c - spec) : strlen (spec);
  if (len == 0)
    return cd_err_set (err, EINVAL, "invalid volumes-from: %s", spec);
  *name = strndup (spec, len);
  return *name ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

json_object *
vol_mount_view (json_object *m)
{
  static const char *const keys[] = { "Type", "Name", "Source", "Destination", "Driver",
                                      "Mode", "RW", "Propagation", NULL };
  json_object *o = json_object_new_object ();
  bool vol = strcmp (str_field (m, "Type"), "volume") == 0;
  for (int i = 0; keys[i]; i++)
    {
      if (!vol && (strcmp (keys[i], "Name") == 0 || strcmp (keys[i], "Driver") == 0))
        continue;
      json_object *v = get (m, keys[i]);
      if (v)
        json_object_object_add (o, keys[i], json_object_get (v));
    }
  return o;
}
