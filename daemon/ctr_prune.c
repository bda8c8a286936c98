/* POST /containers/prune as dockerd's ContainersPrune: every container that
 * is not running, created before `until`, matching `label` and not `label!`,
 * removed the way DELETE /containers/{id} removes it (row, layers, logs and
 * directory), its writable layer's size counted as reclaimed. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/timestamp.h"
#include "daemon/containers.h"
#include "daemon/ctr_top.h"
#include "images/ctrlayer.h"
#include "log.h"
#include "store/containers.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

/* Bytes of the regular files and links under dirfd (closed), as the
 * graph driver's DiffSize counts a writable layer. */
static int64_t
dir_size (int dirfd, int depth)
{
  DIR *d = fdopendir (dirfd);
  if (d == NULL)
    {
      close (dirfd);
      return 0;
    }
  int64_t total = 0;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISDIR (st.st_mode) && depth < 256)
        {
          int fd = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd >= 0)
            total += dir_size (fd, depth + 1);
        }
      else if (S_ISREG (st.st_mode) || S_ISLNK (st.st_mode))
        total += st.st_size;
    }
  closedir (d);
  return total;
}

int64_t
ctr_path_size (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? 0 : dir_size (fd, 0);
}

int64_t
ctr_rw_size (struct cd_daemon *d, const char *id)
{
  struct img_ctr_dirs dirs;
  struct cd_err ignore;
  if (img_ctr_layer_dirs (d->images, id, &dirs, &ignore) < 0)
    return 0;
  int fd = open (dirs.upperdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  img_ctr_dirs_free (&dirs);
  return fd < 0 ? 0 : dir_size (fd, 0);
}

/* The filters' MatchKVList: every "key" or "key=value" of the set holds in labels. */
static bool
labels_match_all (json_object *set, json_object *labels)
{
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      const char *eq = strchr (want, '=');
      char key[512];
      snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - want) : (int) strlen (want), want);
      json_object *have = get (labels, key);
      if (have == NULL || (eq && strcmp (json_object_get_string (have), eq + 1) != 0))
        return false;
    }
  return true;
}

static int
parse_until (json_object *filters, int64_t *until, struct cd_err *err)
{
  json_object *set = get (filters, "until");
  *until = 0;
  if (set == NULL || json_object_object_length (set) == 0)
    return 0;
  if (json_object_object_length (set) > 1)
    return cd_err_set (err, EINVAL, "more than one until filter specified");
  json_object_object_foreach (set, value, on)
    {
      (void) on;
      char ts[64];
      int r = cli_parse_timestamp (value, time (NULL), ts, sizeof ts, err);
      if (r < 0)
        return r;
      char *frac = strchr (ts, '.');
      *until = strtoll (ts, NULL, 10) * 1000000000LL;
      if (frac)
        {
          char nine[10] = "000000000";
          memcpy (nine, frac + 1, strnlen (frac + 1, 9));
          *until += strtoll (nine, NULL, 10);
        }
    }
  return 0;
}

struct pick_ctx
{
  json_object *filters;
  int64_t until;
  struct ctr_pruned *v;
  size_t n, cap;
};

static int
pick (const struct store_container *c, void *arg)
{
  struct pick_ctx *p = arg;
  if (strcmp (c->state, "created") != 0 && strcmp (c->state, "exited") != 0
      && strcmp (c->state, "dead") != 0)
    return 0;
  if (p->until && c->created > p->until)
    return 0;
  json_object *cfg = json_tokener_parse (c->config), *labels = get (cfg, "Labels");
  json_object *inc = get (p->filters, "label"), *exc = get (p->filters, "label!");
  bool keep = (inc && !labels_match_all (inc, labels))
              || (exc && json_object_object_length (exc) && labels_match_all (exc, labels));
  if (!keep && p->n == p->cap)
    {
      size_t cap = p->cap ? p->cap * 2 : 16;
      struct ctr_pruned *v = realloc (p->v, cap * sizeof *v);
      if (v == NULL)
        {
          json_object_put (cfg);
          return -ENOMEM;
        }
      p->v = v;
      p->cap = cap;
    }
  if (!keep)
    {
      struct ctr_pruned *e = &p->v[p->n++];
      memcpy (e->id, c->id, 65);
      json_object *st = json_tokener_parse (c->state_json);
      e->exit_code = json_object_get_int (get (st, "ExitCode"));
      json_object_put (st);
      e->attrs = json_object_new_object ();
      json_object_object_add (e->attrs, "name", json_object_new_string (c->name));
      json_object_object_add (e->attrs, "image", json_object_new_string (c->image_ref));
      if (json_object_is_type (labels, json_type_object))
        {
          json_object_object_foreach (labels, k, v)
            json_object_object_add (e->attrs, k, json_object_get (v));
        }
    }
  json_object_put (cfg);
  return 0;
}

void
ctr_pruned_free (struct ctr_pruned *p, size_t n)
{
  for (size_t i = 0; p && i < n; i++)
    json_object_put (p[i].attrs);
  free (p);
}

int
ctr_prune (struct cd_daemon *d, json_object *filters, struct ctr_pruned **out, size_t *n,
           int64_t *reclaimed, struct cd_err *err)
{
  struct pick_ctx p = { .filters = filters };
  *out = NULL;
  *n = 0;
  *reclaimed = 0;
  int r = parse_until (filters, &p.until, err);
  if (r == 0)
    r = store_containers_each (d->store, pick, &p, err);
  if (r < 0)
    {
      ctr_pruned_free (p.v, p.n);
      return r == -ENOMEM ? cd_err_set (err, ENOMEM, "out of memory") : r;
    }
  size_t kept = 0;
  for (size_t i = 0; i < p.n; i++)
    {
      struct cd_err one = { 0 };
      char id[65];
      int64_t size = ctr_rw_size (d, p.v[i].id);
      /* Not forced: one started meanwhile is busy and stays. */
      if (ctr_remove (d, p.v[i].id, false, id, &one) < 0)
        {
          log_warn ("failed to prune container %s: %s", p.v[i].id, one.msg);
          json_object_put (p.v[i].attrs);
          continue;
        }
      *reclaimed += size;
      p.v[kept++] = p.v[i];
    }
  *out = p.v;
  *n = kept;
  return 0;
}
