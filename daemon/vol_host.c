/* Volumes on the host: DriverOpts mounts (local driver), disk usage, prune. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon/volumes.h"
#include "fsutil.h"
#include "store/volumes.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

static bool
is_mountpoint (const char *path)
{
  struct stat a, b;
  char up[4200];
  snprintf (up, sizeof up, "%s/..", path);
  return stat (path, &a) == 0 && stat (up, &b) == 0 && a.st_dev != b.st_dev;
}

/* "o" as mount(8) takes it: flag words become MS_*, the rest is data. */
static void
split_o (const char *o, unsigned long *flags, char *data, size_t len)
{
  static const struct { const char *w; unsigned long f; } words[] = {
    { "ro", MS_RDONLY }, { "nosuid", MS_NOSUID }, { "nodev", MS_NODEV },
    { "noexec", MS_NOEXEC }, { "noatime", MS_NOATIME }, { "bind", MS_BIND },
    { "rbind", MS_BIND | MS_REC }, { "rw", 0 }, { NULL, 0 },
  };
  cleanup_free char *copy = strdup (o ? o : "");
  size_t n = 0;
  data[0] = '\0';
  for (char *save = NULL, *w = copy ? strtok_r (copy, ",", &save) : NULL; w;
       w = strtok_r (NULL, ",", &save))
    {
      int i;
      for (i = 0; words[i].w && strcmp (words[i].w, w) != 0; i++)
        ;
      if (words[i].w)
        *flags |= words[i].f;
      else
        n += (size_t) snprintf (data + n, len > n ? len - n : 0, "%s%s", n ? "," : "", w);
    }
}

int
vol_host_mount (struct cd_daemon *d, const char *name, struct cd_err *err)
{
  struct store_volume v;
  int r = store_volume_get (d->store, name, &v, err);
  if (r < 0)
    return r;
  json_object *opts = json_tokener_parse (v.options);
  store_volume_clear (&v);
  const char *type = json_object_get_string (get (opts, "type"));
  const char *dev = json_object_get_string (get (opts, "device"));
  cleanup_free char *data = vol_data_path (d, name);
  if (type && dev && data && !is_mountpoint (data))
    {
      unsigned long flags = 0;
      char mdata[4096];
      split_o (json_object_get_string (get (opts, "o")), &flags, mdata, sizeof mdata);
      const char *fstype = strcmp (type, "none") == 0 ? NULL : type;
      if (cd_mkdir_p (data, 0755, err) < 0)
        r = -err->code;
      else if (mount (dev, data, fstype, flags, mdata[0] ? mdata : NULL) < 0)
        r = cd_err_sys (err, errno, "error while mounting volume '%s': failed to mount local "
                        "volume: mount %s:%s", data, dev, data);
    }
  json_object_put (opts);
  return r;
}

static long long
du_at (int dirfd)
{
  cleanup_dir DIR *dir = fdopendir (dirfd);
  if (dir == NULL)
    {
      close (dirfd);
      return 0;
    }
  long long total = 0;
  struct dirent *e;
  while ((e = readdir (dir)))
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      total += st.st_size;
      if (S_ISDIR (st.st_mode))
        {
          int fd = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd >= 0)
            total += du_at (fd);
        }
    }
  return total;
}

long long
vol_disk_usage (struct cd_daemon *d, const char *name)
{
  cleanup_free char *data = vol_data_path (d, name);
  int fd = data ? open (data, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  return fd >= 0 ? du_at (fd) : 0;
}

struct prune_ctx
{
  struct cd_daemon *d;
  json_object *filters;
  char **names;
  size_t n, cap;
};

static int
prune_pick (const struct store_volume *v, void *vctx)
{
  struct prune_ctx *p = vctx;
  json_object *labels = json_tokener_parse (v->labels), *inc = get (p->filters, "label");
  json_object *exc = get (p->filters, "label!");
  bool skip = (inc && !vol_labels_all (inc, labels))
              || (exc && json_object_object_length (exc) && vol_labels_all (exc, labels));
  json_object_put (labels);
  if (skip || store_volume_users (p->d->store, v->name, NULL) != 0)
    return 0;
  if (p->n == p->cap)
    {
      size_t cap = p->cap ? p->cap * 2 : 16;
      char **nv = realloc (p->names, cap * sizeof *nv);
      if (nv == NULL)
        return -ENOMEM;
      p->names = nv;
      p->cap = cap;
    }
  p->names[p->n] = strdup (v->name);
  return p->names[p->n++] ? 0 : -ENOMEM;
}

int
vol_prune (struct cd_daemon *d, json_object *filters, json_object **out, struct cd_err *err)
{
  struct prune_ctx p = { .d = d, .filters = filters };
  int r = store_volumes_each (d->store, prune_pick, &p, err);
  json_object *deleted = json_object_new_array ();
  long long space = 0;
  for (size_t i = 0; r == 0 && i < p.n; i++)
    {
      struct cd_err one = { 0 };
      long long size = vol_disk_usage (d, p.names[i]);
      if (vol_remove (d, p.names[i], false, &one) == 0)
        {
          json_object_array_add (deleted, json_object_new_string (p.names[i]));
          space += size;
        }
    }
  for (size_t i = 0; i < p.n; i++)
    free (p.names[i]);
  free (p.names);
  if (r < 0)
    {
      json_object_put (deleted);
      return r == -ENOMEM ? cd_err_set (err, ENOMEM, "out of memory") : r;
    }
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "VolumesDeleted", json_object_array_length (deleted) ? deleted : NULL);
  if (!json_object_array_length (deleted))
    json_object_put (deleted);
  json_object_object_add (o, "SpaceReclaimed", json_object_new_int64 (space));
  *out = o;
  return 0;
}
