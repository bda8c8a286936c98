#include "daemon/vol_ctr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "daemon/events.h"
#include "daemon/vol_parse.h"
#include "daemon/volumes.h"
#include "fsutil.h"
#include "log.h"
#include "store/containers.h"
#include "store/volumes.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static const char *
str (json_object *o, const char *k)
{
  const char *s = json_object_get_string (get (o, k));
  return s ? s : "";
}

/* "/data/" and "/data" are the same destination. */
static bool
same_dest (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  while (la > 1 && a[la - 1] == '/')
    la--;
  while (lb > 1 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp (a, b, la) == 0;
}

static bool
has_dest (json_object *plan, const char *dst)
{
  for (size_t i = 0; i < json_object_array_length (plan); i++)
    if (same_dest (str (json_object_array_get_idx (plan, i), "Destination"), dst))
      return true;
  return false;
}

static int
add_point (json_object *plan, json_object *m, struct cd_err *err)
{
  if (has_dest (plan, str (m, "Destination")))
    {
      int r = cd_err_set (err, EINVAL, "Duplicate mount point: %s", str (m, "Destination"));
      json_object_put (m);
      return r;
    }
  json_object_array_add (plan, m);
  return 0;
}

static int
plan_binds_mounts (json_object *hc, json_object *plan, struct cd_err *err)
{
  json_object *binds = get (hc, "Binds"), *mounts = get (hc, "Mounts");
  for (size_t i = 0; binds && i < json_object_array_length (binds); i++)
    {
      json_object *m;
      int r = vol_parse_bind (json_object_get_string (json_object_array_get_idx (binds, i)), &m,
                              err);
      if (r < 0 || (r = add_point (plan, m, err)) < 0)
        return r;
    }
  if (mounts && !json_object_is_type (mounts, json_type_array))
    return cd_err_set (err, EINVAL, "invalid type for field HostConfig.Mounts: expected an "
                       "array");
  for (size_t i = 0; mounts && i < json_object_array_length (mounts); i++)
    {
      json_object *m;
      int r = vol_parse_mount (json_object_array_get_idx (mounts, i), &m, err);
      struct stat st;
      if (r == 0 && strcmp (str (m, "Type"), "bind") == 0 && stat (str (m, "Source"), &st) < 0)
        {
          r = cd_err_set (err, EINVAL, "invalid mount config for type \"bind\": bind source path "
                          "does not exist: %s", str (m, "Source"));
          json_object_put (m);
        }
      if (r < 0 || (r = add_point (plan, m, err)) < 0)
        return r;
    }
  return 0;
}

static int
plan_volumes_from (struct cd_daemon *d, json_object *hc, json_object *plan, struct cd_err *err)
{
  json_object *vf = get (hc, "VolumesFrom");
  for (size_t i = 0; vf && json_object_is_type (vf, json_type_array)
                     && i < json_object_array_length (vf); i++)
    {
      cleanup_free char *name = NULL;
      int rw;
      int r = vol_parse_volumes_from (json_object_get_string (json_object_array_get_idx (vf, i)),
                                      &name, &rw, err);
      if (r < 0)
        return r;
      struct store_container c;
      if ((r = store_container_find (d->store, name, &c, err)) < 0)
        return r;
      cleanup_free char *text = NULL;
      r = store_ctr_mounts_get (d->store, c.id, &text, err);
      store_container_clear (&c);
      if (r < 0)
        return r;
      json_object *theirs = text ? json_tokener_parse (text) : NULL;
      for (size_t j = 0; theirs && j < json_object_array_length (theirs); j++)
        {
          json_object *m = json_object_array_get_idx (theirs, j);
          if (has_dest (plan, str (m, "Destination")) || strcmp (str (m, "Type"), "tmpfs") == 0)
            continue;             /* a tmpfs is the container's own, as in Docker */
          json_object *copy = json_tokener_parse (json_object_to_json_string (m));
          json_object_object_add (copy, "From", json_object_new_boolean (1));
          json_object_object_add (copy, "CopyUp", json_object_new_boolean (0));
          if (rw >= 0)
            {
              json_object_object_add (copy, "RW", json_object_new_boolean (rw));
              json_object_object_add (copy, "Mode", json_object_new_string (rw ? "rw" : "ro"));
            }
          json_object_array_add (plan, copy);
        }
      json_object_put (theirs);
    }
  return 0;
}

static void
plan_image_volumes (json_object *config, json_object *plan)
{
  json_object *vols = get (config, "Volumes");
  if (vols == NULL || !json_object_is_type (vols, json_type_object))
    return;
  json_object_object_foreach (vols, dst, v)
    {
      (void) v;
      if (dst[0] != '/' || has_dest (plan, dst))
        continue;
      json_object *m;
      struct cd_err ignore;
      if (vol_parse_bind (dst, &m, &ignore) == 0)
        json_object_array_add (plan, m);
    }
}

/* Creates (or finds) the volumes of the plan; names of the new ones in made. */
static int
make_volumes (struct cd_daemon *d, json_object *plan, json_object *made, struct cd_err *err)
{
  for (size_t i = 0; i < json_object_array_length (plan); i++)
    {
      json_object *m = json_object_array_get_idx (plan, i);
      if (strcmp (str (m, "Type"), "volume") != 0 || json_object_get_boolean (get (m, "From")))
        continue;
      bool anon = json_object_get_boolean (get (m, "Anonymous")), created;
      struct vol_create_in in = { .name = anon ? NULL : str (m, "Name"), .anonymous = anon,
                                  .labels = get (m, "VolumeLabels"),
                                  .options = get (m, "VolumeOptions") };
      char name[256];
      int r = vol_create (d, &in, name, sizeof name, &created, err);
      if (r < 0)
        return r;
      if (created)
        json_object_array_add (made, json_object_new_string (name));
      cleanup_free char *data = vol_data_path (d, name);
      json_object_object_add (m, "Name", json_object_new_string (name));
      json_object_object_add (m, "Source", json_object_new_string (data ? data : ""));
      json_object_object_del (m, "VolumeLabels");
      json_object_object_del (m, "VolumeOptions");
    }
  return 0;
}

static int
save_plan (struct cd_daemon *d, const char *id, json_object *plan, struct cd_err *err)
{
  size_t n = json_object_array_length (plan), k = 0;
  cleanup_free const char **names = calloc (n + 1, sizeof *names);
  if (names == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      json_object *m = json_object_array_get_idx (plan, i);
      if (strcmp (str (m, "Type"), "volume") == 0)
        names[k++] = str (m, "Name");
    }
  return store_ctr_mounts_set (d->store, id, json_object_to_json_string_ext (
                                 plan, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                               names, k, err);
}

int
vol_ctr_create (struct cd_daemon *d, const char *id, json_object *config,
                json_object *host_config, struct cd_err *err)
{
  json_object *plan = json_object_new_array (), *made = json_object_new_array ();
  int r = plan_binds_mounts (host_config, plan, err);
  if (r == 0)
    r = plan_volumes_from (d, host_config, plan, err);
  if (r == 0)
    {
      plan_image_volumes (config, plan);
      r = make_volumes (d, plan, made, err);
    }
  if (r == 0 && json_object_array_length (plan) > 0)
    r = save_plan (d, id, plan, err);
  if (r < 0)
    {
      struct cd_err ignore;
      for (size_t i = 0; i < json_object_array_length (made); i++)
        vol_remove (d, json_object_get_string (json_object_array_get_idx (made, i)), true,
                    &ignore);
    }
  json_object_put (plan);
  json_object_put (made);
  return r;
}

static json_object *
load_plan (struct cd_daemon *d, const char *id)
{
  cleanup_free char *text = NULL;
  struct cd_err err;
  if (store_ctr_mounts_get (d->store, id, &text, &err) < 0 || text == NULL)
    return NULL;
  return json_tokener_parse (text);
}

void
vol_ctr_remove (struct cd_daemon *d, const char *id, bool remove_anon)
{
  json_object *plan = load_plan (d, id);
  struct cd_err err = { 0 };
  if (store_ctr_mounts_delete (d->store, id, &err) < 0)
    log_warn ("container %.12s: mount points: %s", id, err.msg);
  for (size_t i = 0; remove_anon && plan && i < json_object_array_length (plan); i++)
    {
      json_object *m = json_object_array_get_idx (plan, i);
      if (strcmp (str (m, "Type"), "volume") != 0 || json_object_get_boolean (get (m, "From"))
          || !json_object_get_boolean (get (m, "Anonymous")))
        continue;
      struct cd_err one = { 0 };
      if (vol_remove (d, str (m, "Name"), true, &one) < 0 && one.code != EBUSY)
        log_warn ("removing volume %s: %s", str (m, "Name"), one.msg);
    }
  json_object_put (plan);
}

json_object *
vol_ctr_mounts_view (struct cd_daemon *d, const char *id)
{
  json_object *plan = load_plan (d, id), *out = json_object_new_array ();
  for (size_t i = 0; plan && i < json_object_array_length (plan); i++)
    json_object_array_add (out, vol_mount_view (json_object_array_get_idx (plan, i)));
  json_object_put (plan);
  return out;
}

static void
mount_event (struct cd_daemon *d, const char *id, json_object *m, const char *action)
{
  json_object *a = json_object_new_object ();
  json_object_object_add (a, "container", json_object_new_string (id));
  json_object_object_add (a, "driver", json_object_new_string ("local"));
  if (strcmp (action, "mount") == 0)
    {
      json_object_object_add (a, "destination", json_object_new_string (str (m, "Destination")));
      json_object_object_add (a, "propagation", json_object_new_string (str (m, "Propagation")));
      json_object_object_add (a, "read/write", json_object_new_string (
                                json_object_get_boolean (get (m, "RW")) ? "true" : "false"));
    }
  ev_emit_any (d, "volume", action, str (m, "Name"), a);
  json_object_put (a);
}

void
vol_ctr_unmounted (struct cd_daemon *d, const char *id)
{
  json_object *plan = load_plan (d, id);
  for (size_t i = 0; plan && i < json_object_array_length (plan); i++)
    {
      json_object *m = json_object_array_get_idx (plan, i);
      if (strcmp (str (m, "Type"), "volume") == 0)
        mount_event (d, id, m, "unmount");
    }
  json_object_put (plan);
}

static size_t
depth (const char *p)
{
  size_t n = 0;
  for (; *p; p++)
    n += *p == '/' && p[1] && p[1] != '/';
  return n;
}

static int
by_depth (const void *a, const void *b)
{
  json_object *ma = *(json_object *const *) a, *mb = *(json_object *const *) b;
  size_t da = depth (str (ma, "Destination")), db = depth (str (mb, "Destination"));
  return da < db ? -1 : da > db;
}

static json_object *
oci_mount (json_object *m, bool copy_up)
{
  json_object *o = json_object_new_object (), *opts = json_object_new_array ();
  bool tmpfs = strcmp (str (m, "Type"), "tmpfs") == 0;
  const char *prop = str (m, "Propagation");
  json_object_object_add (o, "destination", json_object_new_string (str (m, "Destination")));
  json_object_object_add (o, "type", json_object_new_string (tmpfs ? "tmpfs" : "bind"));
  json_object_object_add (o, "source", json_object_new_string (tmpfs ? "tmpfs"
                                                                     : str (m, "Source")));
  if (tmpfs)
    {
      static const char *const t[] = { "noexec", "nosuid", "nodev", NULL };
      for (int i = 0; t[i]; i++)
        json_object_array_add (opts, json_object_new_string (t[i]));
    }
  else
    json_object_array_add (opts, json_object_new_string ("rbind"));
  json_object_array_add (opts, json_object_new_string (prop[0] ? prop : "rprivate"));
  if (!json_object_get_boolean (get (m, "RW")))
    json_object_array_add (opts, json_object_new_string ("ro"));
  if (copy_up)
    json_object_array_add (opts, json_object_new_string ("copyup"));
  cleanup_free char *data = tmpfs ? strdup (str (m, "TmpfsData")) : NULL;
  for (char *save = NULL, *w = data ? strtok_r (data, ",", &save) : NULL; w;
       w = strtok_r (NULL, ",", &save))
    json_object_array_add (opts, json_object_new_string (w));
  json_object_object_add (o, "options", opts);
  return o;
}

/* Prepares one mount point on the host; *copy_up when the runtime should
 * copy the image's content into the volume. */
static int
prepare_point (struct cd_daemon *d, json_object *m, bool *copy_up, struct cd_err *err)
{
  const char *type = str (m, "Type"), *src = str (m, "Source");
  *copy_up = false;
  struct stat st;
  if (strcmp (type, "bind") == 0)
    {
      if (stat (src, &st) == 0)
        return 0;
      if (!json_object_get_boolean (get (m, "CreateSource")))
        return cd_err_set (err, ENOENT, "invalid mount config for type \"bind\": bind source "
                           "path does not exist: %s", src);
      return cd_mkdir_p (src, 0755, err);
    }
  if (strcmp (type, "volume") != 0)
    return 0;
  struct store_volume v;
  int r = store_volume_get (d->store, str (m, "Name"), &v, err);
  if (r < 0)
    return r;
  bool populated = v.populated;
  store_volume_clear (&v);
  if ((r = cd_mkdir_p (src, 0755, err)) < 0 || (r = vol_host_mount (d, str (m, "Name"), err)) < 0)
    return r;
  if (!populated && json_object_get_boolean (get (m, "CopyUp")))
    {
      *copy_up = true;
      store_volume_set_populated (d->store, str (m, "Name"), err);
    }
  return 0;
}

int
vol_ctr_oci_mounts (struct cd_daemon *d, const char *id, json_object **out, struct cd_err *err)
{
  json_object *plan = load_plan (d, id);
  *out = json_object_new_array ();
  size_t n = plan ? json_object_array_length (plan) : 0;
  cleanup_free json_object **v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    v[i] = json_object_array_get_idx (plan, i);
  qsort (v, n, sizeof *v, by_depth);
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      bool copy_up;
      r = prepare_point (d, v[i], &copy_up, err);
      if (r == 0)
        json_object_array_add (*out, oci_mount (v[i], copy_up));
      if (r == 0 && strcmp (str (v[i], "Type"), "volume") == 0)
        mount_event (d, id, v[i], "mount");
    }
  json_object_put (plan);
  if (r < 0)
    {
      json_object_put (*out);
      *out = NULL;
    }
  return r;
}
