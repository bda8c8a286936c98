/* From config to the list of mount operations (runs in the caller). */
#include "mounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"

static struct rt_mop *
push (struct rt_mount_plan *p, enum rt_mop_kind kind, const char *dest)
{
  if (p->n == p->cap)
    {
      size_t cap = p->cap ? p->cap * 2 : 32;
      struct rt_mop *n = realloc (p->ops, cap * sizeof *n);
      if (n == NULL)
        return NULL;
      p->ops = n;
      p->cap = cap;
    }
  struct rt_mop *op = memset (&p->ops[p->n++], 0, sizeof *op);
  op->kind = kind;
  op->dest = dest;
  return op;
}

/* "/dev/" and "/dev" are the same destination. */
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

/* Length of the longest directory prefix shared by every path in v. */
static size_t
common_dir (char **v)
{
  size_t n = strlen (v[0]);
  for (size_t i = 1; v[i]; i++)
    {
      size_t j = 0;
      while (j < n && v[i][j] && v[i][j] == v[0][j])
        j++;
      n = j;
    }
  while (n > 0 && v[0][n - 1] != '/')
    n--;
  for (size_t i = 0; v[i]; i++)
    if (v[i][n] == '\0' || n == 0)
      return 0;
  return n;
}

/* Splits lowerdir on ':' and appends upper and work; NULL-terminated. */
static char **
overlay_paths (const struct rt_config *c, char *lower_copy)
{
  size_t n = 3;
  for (const char *s = lower_copy; *s; s++)
    n += *s == ':';
  char **v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return NULL;
  size_t k = 0;
  char *save = NULL;
  for (char *t = strtok_r (lower_copy, ":", &save); t; t = strtok_r (NULL, ":", &save))
    v[k++] = t;
  if (c->overlay_upper)
    {
      v[k++] = c->overlay_upper;
      v[k++] = c->overlay_work;
    }
  return v;
}

static int
overlay_data (const struct rt_config *c, size_t skip, char **out)
{
  cleanup_free char *lower = strdup (c->overlay_lower);
  if (lower == NULL)
    return -ENOMEM;
  cleanup_free char **v = overlay_paths (c, lower);
  if (v == NULL)
    return -ENOMEM;
  size_t len = 64;
  for (size_t i = 0; v[i]; i++)
    len += strlen (v[i]) + 1;
  char *d = malloc (len);
  if (d == NULL)
    return -ENOMEM;
  size_t n_lower = 0;
  while (v[n_lower] && v[n_lower] != c->overlay_upper)
    n_lower++;
  size_t o = (size_t) sprintf (d, "lowerdir=");
  for (size_t i = 0; i < n_lower; i++)
    o += (size_t) sprintf (d + o, "%s%s", i ? ":" : "", v[i] + skip);
  if (c->overlay_upper)
    sprintf (d + o, ",upperdir=%s,workdir=%s", c->overlay_upper + skip,
             c->overlay_work + skip);
  *out = d;
  return 0;
}

/* overlayfs takes its options in one page: when lowerdir= is longer, the
 * child chdirs into the directory all layers share and passes relative
 * paths (what Docker's overlay2 driver does). */
static int
plan_overlay (struct rt_mount_plan *p, struct rt_mop *op, struct cd_err *err)
{
  const struct rt_config *c = p->c;
  if (strchr (c->overlay_lower, ',') || (c->overlay_upper && strchr (c->overlay_upper, ','))
      || (c->overlay_work && strchr (c->overlay_work, ',')))
    return cd_err_set (err, EINVAL, "annotations: overlay directories must not contain ','");
  cleanup_free char *all = strdup (c->overlay_lower);
  cleanup_free char **paths = all ? overlay_paths (c, all) : NULL;
  if (paths == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; paths[i]; i++)
    if (paths[i][0] != '/')
      return cd_err_set (err, EINVAL, "annotations: overlay directory \"%s\" is not an "
                                      "absolute path", paths[i]);
  size_t page = (size_t) sysconf (_SC_PAGESIZE);
  if (overlay_data (c, 0, &op->data) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (strlen (op->data) < page)
    return 0;
  cleanup_free char *lower = strdup (c->overlay_lower);
  cleanup_free char **v = lower ? overlay_paths (c, lower) : NULL;
  if (v == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  size_t skip = common_dir (v);
  if (skip == 0)
    return cd_err_set (err, E2BIG, "overlay: mount options (%zu bytes) exceed one page and "
                                   "the layers share no parent directory",
                       strlen (op->data));
  free (op->data);
  op->data = NULL;
  if (overlay_data (c, skip, &op->data) < 0 || (p->overlay_dir = strndup (v[0], skip)) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (strlen (op->data) >= page)
    return cd_err_set (err, E2BIG, "overlay: mount options (%zu bytes) exceed one page even "
                                   "relative to `%s`", strlen (op->data), p->overlay_dir);
  return 0;
}

static int
plan_entry (struct rt_mount_plan *p, const struct rt_mount *m, struct cd_err *err)
{
  struct rt_mount_flags f;
  int r = rt_mount_parse_options (m->options, &f, err);
  if (r < 0)
    return r;
  enum rt_mop_kind kind = RT_MOP_MOUNT;
  if (strcmp (m->type, "bind") == 0)
    kind = RT_MOP_BIND;
  else if (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0)
    kind = RT_MOP_CGROUPFS;
  struct rt_mop *op = push (p, kind, m->destination);
  if (op == NULL)
    {
      free (f.data);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  op->source = m->source;
  op->fstype = m->type;
  op->flags = f.flags;
  op->propagation = f.propagation;
  op->data = f.data;
  if (kind == RT_MOP_BIND)
    op->flags |= MS_BIND;
  for (size_t i = 0; kind == RT_MOP_BIND && m->options && m->options[i]; i++)
    op->copy_up |= strcmp (m->options[i], "copyup") == 0;
  return 0;
}

static int
plan_dev (struct rt_mount_plan *p, bool *dev_bound)
{
  const struct rt_config *c = p->c;
  bool dev_listed = false;
  *dev_bound = false;
  for (size_t i = 0; i < c->n_mounts; i++)
    if (same_dest (c->mounts[i].destination, "/dev"))
      {
        dev_listed = true;
        *dev_bound = strcmp (c->mounts[i].type, "bind") == 0;
      }
  if (dev_listed)
    return 0;
  struct rt_mop *op = push (p, RT_MOP_MOUNT, "/dev");
  if (op == NULL || (op->data = strdup ("mode=755,size=65536k")) == NULL)
    return -ENOMEM;
  op->source = op->fstype = "tmpfs";
  op->flags = MS_NOSUID | MS_STRICTATIME;
  return 0;
}

static int
plan_pre_pivot (struct rt_mount_plan *p, struct cd_err *err)
{
  const struct rt_config *c = p->c;
  struct rt_mop *op = push (p, RT_MOP_PROPAGATE_ROOT, "/");
  if (op == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  op->propagation = c->rootfs_propagation ? c->rootfs_propagation : MS_REC | MS_PRIVATE;
  op = push (p, c->overlay_lower ? RT_MOP_ROOT_OVERLAY : RT_MOP_ROOT_BIND, "/");
  if (op == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r;
  if (c->overlay_lower && (r = plan_overlay (p, op, err)) < 0)
    return r;
  bool dev_bound;
  if (plan_dev (p, &dev_bound) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < c->n_mounts; i++)
    if ((r = plan_entry (p, &c->mounts[i], err)) < 0)
      return r;
  if (!dev_bound
      && (push (p, RT_MOP_DEVICES, "/dev") == NULL
          || push (p, RT_MOP_DEV_SYMLINKS, "/dev") == NULL))
    return cd_err_set (err, ENOMEM, "out of memory");
  if (c->terminal && push (p, RT_MOP_CONSOLE, "/dev/console") == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (push (p, RT_MOP_PIVOT, "/") == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  return 0;
}

int
rt_mount_plan_build (const struct rt_config *c, const struct rt_cgroups *cg,
                     struct rt_mount_plan *p, struct cd_err *err)
{
  memset (p, 0, sizeof *p);
  p->c = c;
  p->cg = cg;
  int r = plan_pre_pivot (p, err);
  if (r < 0)
    {
      rt_mount_plan_free (p);
      return r;
    }
  p->n_pre = p->n;
  for (size_t i = 0; c->readonly_paths && c->readonly_paths[i]; i++)
    if (push (p, RT_MOP_READONLY, c->readonly_paths[i]) == NULL)
      goto nomem;
  for (size_t i = 0; c->masked_paths && c->masked_paths[i]; i++)
    if (push (p, RT_MOP_MASK, c->masked_paths[i]) == NULL)
      goto nomem;
  if (c->root_readonly && push (p, RT_MOP_ROOT_READONLY, "/") == NULL)
    goto nomem;
  return 0;
nomem:
  rt_mount_plan_free (p);
  return cd_err_set (err, ENOMEM, "out of memory");
}

void
rt_mount_plan_free (struct rt_mount_plan *p)
{
  for (size_t i = 0; i < p->n; i++)
    free (p->ops[i].data);
  free (p->ops);
  free (p->overlay_dir);
  memset (p, 0, sizeof *p);
}
