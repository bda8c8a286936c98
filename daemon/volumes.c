#include "daemon/volumes.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/events.h"
#include "daemon/vol_parse.h"
#include "fsutil.h"
#include "images/layers.h"
#include "log.h"
#include "store/volumes.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

char *
vol_data_path (struct cd_daemon *d, const char *name)
{
  char *p = NULL;
  return asprintf (&p, "%s/volumes/%s/_data", d->cfg.root, name) < 0 ? NULL : p;
}

static char *
vol_dir (struct cd_daemon *d, const char *name)
{
  char *p = NULL;
  return asprintf (&p, "%s/volumes/%s", d->cfg.root, name) < 0 ? NULL : p;
}

static void
vol_event (struct cd_daemon *d, const char *action, const char *name)
{
  json_object *a = json_object_new_object ();
  json_object_object_add (a, "driver", json_object_new_string ("local"));
  ev_emit_any (d, "volume", action, name, a);
  json_object_put (a);
}

static int
check_options (json_object *opts, struct cd_err *err)
{
  if (opts == NULL)
    return 0;
  if (!json_object_is_type (opts, json_type_object))
    return cd_err_set (err, EINVAL, "invalid type for field DriverOpts: expected an object");
  json_object_object_foreach (opts, k, v)
    {
      if (strcmp (k, "type") && strcmp (k, "device") && strcmp (k, "o") && strcmp (k, "size"))
        return cd_err_set (err, EINVAL, "create: invalid option key: \"%s\"", k);
      if (!json_object_is_type (v, json_type_string))
        return cd_err_set (err, EINVAL, "invalid type for field DriverOpts.%s: expected a "
                           "string", k);
    }
  if (get (opts, "device") && !get (opts, "type"))
    return cd_err_set (err, EINVAL, "create: missing \"type\" option");
  if (get (opts, "type") && !get (opts, "device"))
    return cd_err_set (err, EINVAL, "create: missing \"device\" option");
  return 0;
}

static int
check_create (const struct vol_create_in *in, struct cd_err *err)
{
  if (in->driver && in->driver[0] && strcmp (in->driver, "local") != 0)
    return cd_err_set (err, ENOENT, "error looking up volume plugin %s: plugin \"%s\" not found",
                       in->driver, in->driver);
  if (in->name && in->name[0] && !vol_name_valid (in->name))
    return vol_name_error (in->name, err);
  if (in->labels && !json_object_is_type (in->labels, json_type_object))
    return cd_err_set (err, EINVAL, "invalid type for field Labels: expected an object");
  return check_options (in->options, err);
}

int
vol_create (struct cd_daemon *d, const struct vol_create_in *in, char *name_out,
            size_t name_len, bool *created, struct cd_err *err)
{
  *created = false;
  int r = check_create (in, err);
  if (r < 0)
    return r;
  char name[256];
  if (in->name && in->name[0])
    snprintf (name, sizeof name, "%s", in->name);
  else if (img_random_hex (name, 32) < 0)
    return cd_err_set (err, EIO, "getrandom failed");
  snprintf (name_out, name_len, "%s", name);
  struct store_volume old;
  struct cd_err ignore;
  if (store_volume_get (d->store, name, &old, &ignore) == 0)
    {
      store_volume_clear (&old);
      return 0;
    }
  cleanup_free char *data = vol_data_path (d, name);
  cleanup_free char *dir = vol_dir (d, name);
  if (data == NULL || dir == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((r = cd_mkdir_p (data, 0755, err)) < 0)
    return r;
  chmod (dir, 0701);
  struct store_volume v = {
    .name = name, .driver = "local", .anonymous = in->anonymous, .created = cd_now_nano (),
    .labels = (char *) (in->labels ? json_object_to_json_string_ext (in->labels,
                                                                    JSON_C_TO_STRING_PLAIN)
                                   : "{}"),
    .options = (char *) (in->options ? json_object_to_json_string_ext (in->options,
                                                                      JSON_C_TO_STRING_PLAIN)
                                     : "{}"),
  };
  r = store_volume_add (d->store, &v, err);
  if (r == -EEXIST)
    {
      /* created by a concurrent request meanwhile: that one is it */
      cd_err_clear (err);
      return 0;
    }
  if (r < 0)
    {
      cd_rm_rf (dir, &ignore);
      return r;
    }
  *created = true;
  vol_event (d, "create", name);
  return 0;
}

static void
rfc3339_sec (int64_t nano, char *buf, size_t len)
{
  time_t t = (time_t) (nano / 1000000000);
  struct tm tm;
  gmtime_r (&t, &tm);
  strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *
vol_json (struct cd_daemon *d, const struct store_volume *v)
{
  json_object *o = json_object_new_object ();
  char created[64];
  rfc3339_sec (v->created, created, sizeof created);
  cleanup_free char *mp = vol_data_path (d, v->name);
  json_object *labels = json_tokener_parse (v->labels), *opts = json_tokener_parse (v->options);
  json_object_object_add (o, "CreatedAt", json_object_new_string (created));
  json_object_object_add (o, "Driver", json_object_new_string (v->driver));
  json_object_object_add (o, "Labels", labels && json_object_object_length (labels) ? labels : NULL);
  if (labels && !json_object_object_length (labels))
    json_object_put (labels);
  json_object_object_add (o, "Mountpoint", json_object_new_string (mp ? mp : ""));
  json_object_object_add (o, "Name", json_object_new_string (v->name));
  json_object_object_add (o, "Options", opts && json_object_object_length (opts) ? opts : NULL);
  if (opts && !json_object_object_length (opts))
    json_object_put (opts);
  json_object_object_add (o, "Scope", json_object_new_string ("local"));
  return o;
}

int
vol_inspect_json (struct cd_daemon *d, const char *name, json_object **out, struct cd_err *err)
{
  struct store_volume v;
  int r = store_volume_get (d->store, name, &v, err);
  if (r < 0)
    return r;
  *out = vol_json (d, &v);
  store_volume_clear (&v);
  return 0;
}

/* "key" or "key=value" against a labels object. */
static bool
label_match (const char *want, json_object *labels)
{
  const char *eq = strchr (want, '=');
  char key[256];
  snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - want) : (int) strlen (want), want);
  json_object *v = get (labels, key);
  return v && (eq == NULL || strcmp (json_object_get_string (v), eq + 1) == 0);
}

bool
vol_labels_all (json_object *set, json_object *labels)
{
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      if (!label_match (want, labels))
        return false;
    }
  return true;
}

static bool
truthy (const char *s)
{
  return strcmp (s, "true") == 0 || strcmp (s, "1") == 0;
}

/* Docker's volume filters: name (substring), driver, label, label!, dangling. */
static bool
vol_matches (struct cd_daemon *d, const struct store_volume *v, json_object *f)
{
  json_object *names = get (f, "name"), *drivers = get (f, "driver"), *dang = get (f, "dangling");
  bool any = names == NULL;
  if (names)
    {
      json_object_object_foreach (names, want, on)
        {
          (void) on;
          any |= strstr (v->name, want) != NULL;
        }
    }
  if (!any)
    return false;
  if (drivers && get (drivers, v->driver) == NULL)
    return false;
  json_object *labels = json_tokener_parse (v->labels), *exc = get (f, "label!");
  bool out = (get (f, "label") && !vol_labels_all (get (f, "label"), labels))
             || (exc && json_object_object_length (exc) && vol_labels_all (exc, labels));
  json_object_put (labels);
  if (out)
    return false;
  if (dang)
    {
      bool want_dangling = false;
      json_object_object_foreach (dang, w, on)
        {
          (void) on;
          want_dangling = truthy (w);
        }
      bool dangling = store_volume_users (d->store, v->name, NULL) == 0;
      if (dangling != want_dangling)
        return false;
    }
  return true;
}

struct list_ctx
{
  struct cd_daemon *d;
  json_object *filters, *out;
};

static int
list_one (const struct store_volume *v, void *vctx)
{
  struct list_ctx *lc = vctx;
  if (vol_matches (lc->d, v, lc->filters))
    json_object_array_add (lc->out, vol_json (lc->d, v));
  return 0;
}

int
vol_list_json (struct cd_daemon *d, json_object *filters, json_object **out, struct cd_err *err)
{
  if (get (filters, "dangling"))
    {
      json_object_object_foreach (get (filters, "dangling"), w, on)
        {
          (void) on;
          if (!truthy (w) && strcmp (w, "false") && strcmp (w, "0"))
            return cd_err_set (err, EINVAL, "invalid filter 'dangling=%s'", w);
        }
    }
  struct list_ctx lc = { .d = d, .filters = filters, .out = json_object_new_array () };
  int r = store_volumes_each (d->store, list_one, &lc, err);
  if (r < 0)
    {
      json_object_put (lc.out);
      return r;
    }
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "Volumes", lc.out);
  json_object_object_add (o, "Warnings", NULL);
  *out = o;
  return 0;
}

/* A DriverOpts file system on _data (nothing else is ever mounted there):
 * EINVAL when none is. */
static void
host_unmount (const char *data)
{
  umount2 (data, MNT_DETACH);
}

static void *
rm_rf_thread (void *arg)
{
  struct cd_err err;
  if (cd_rm_rf (arg, &err) < 0)
    log_warn ("removing %s: %s", (char *) arg, err.msg);
  free (arg);
  return NULL;
}

/* The directory leaves its place at once (into <root>/tmp, emptied at the
 * next start if a crash interrupts) and is deleted by a background thread:
 * a large volume never holds up the caller (the loop, for --rm). */
static void
remove_dir (struct cd_daemon *d, const char *dir, const char *name)
{
  char *trash = NULL;
  struct cd_err ignore;
  pthread_t t;
  pthread_attr_t attr;
  if (asprintf (&trash, "%s/tmp/rmvol-%s", d->cfg.root, name) < 0)
    trash = NULL;
  if (trash && rename (dir, trash) == 0)
    {
      pthread_attr_init (&attr);
      pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
      int r = pthread_create (&t, &attr, rm_rf_thread, trash);
      pthread_attr_destroy (&attr);
      if (r == 0)
        return;
      cd_rm_rf (trash, &ignore);
    }
  else if (cd_rm_rf (dir, &ignore) < 0)
    log_warn ("removing volume %s: %s", name, ignore.msg);
  free (trash);
}

int
vol_remove (struct cd_daemon *d, const char *name, bool force, struct cd_err *err)
{
  struct store_volume v;
  int r = store_volume_get (d->store, name, &v, err);
  if (r < 0)
    {
      if (r == -ENOENT && force)
        {
          cd_err_clear (err);
          return 0;
        }
      return r;
    }
  store_volume_clear (&v);
  char user[65];
  int n = store_volume_users (d->store, name, user);
  if (n < 0)
    return cd_err_set (err, EIO, "store: volume users of %s", name);
  if (n > 0)
    return cd_err_set (err, EBUSY, "remove %s: volume is in use - [%s]", name, user);
  if ((r = store_volume_delete (d->store, name, err)) < 0)
    return r;
  cleanup_free char *data = vol_data_path (d, name);
  cleanup_free char *dir = vol_dir (d, name);
  if (data)
    host_unmount (data);
  if (dir)
    remove_dir (d, dir, name);
  vol_event (d, "destroy", name);
  return 0;
}

