#include "images/ctrlayer.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/layers.h"
#include "log.h"
#include "store/containers.h"

static int
init_content (const char *diff, struct cd_err *err)
{
  static const char *const dirs[] = { "dev", "dev/pts", "dev/shm", "etc", "proc", "sys", NULL };
  static const char *const files[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf",
                                       "dev/console", NULL };
  char p[4400];
  for (int i = 0; dirs[i]; i++)
    {
      snprintf (p, sizeof p, "%s/%s", diff, dirs[i]);
      if (mkdir (p, 0755) < 0 && errno != EEXIST)
        return cd_err_sys (err, errno, "mkdir %s", p);
    }
  for (int i = 0; files[i]; i++)
    {
      snprintf (p, sizeof p, "%s/%s", diff, files[i]);
      int fd = open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        return cd_err_sys (err, errno, "create %s", p);
      close (fd);
    }
  return 0;
}

/* Builds one layer dir in tmp, then commits it under a fixed name. */
static int
make_layer (struct img_store *is, const char *name, const char *parent_cache, bool init,
            struct cd_err *err)
{
  cleanup_free char *tmp = NULL;
  int r = img_layer_tmp (is->root, &tmp, err);
  if (r < 0)
    return r;
  char diff[4200];
  snprintf (diff, sizeof diff, "%s/diff", tmp);
  if (init && (r = init_content (diff, err)) < 0)
    goto fail;
  if ((r = img_layer_commit_named (is->root, tmp, parent_cache, name, err)) < 0)
    goto fail;
  return 0;
fail:
  {
    struct cd_err ignore;
    cd_rm_rf (tmp, &ignore);
  }
  return r;
}

int
img_ctr_layer_create (struct img_store *is, const char *image_id, const char *ctr_id,
                      struct cd_err *err)
{
  struct store_image img = { 0 };
  int r = store_image_get (is->db, image_id, &img, err);
  if (r < 0)
    return r == -ENOENT ? cd_err_set (err, ENOENT, "No such image: %s", image_id) : r;
  struct store_layer top = { 0 };
  if (img.top_chain[0])
    r = store_layer_get (is->db, img.top_chain, &top, err);
  store_image_clear (&img);
  if (r < 0)
    return r;
  char init_name[80];
  snprintf (init_name, sizeof init_name, "%s-init", ctr_id);
  if ((r = make_layer (is, init_name, top.cache_id[0] ? top.cache_id : NULL, true, err)) < 0)
    return r;
  if ((r = make_layer (is, ctr_id, init_name, false, err)) < 0)
    {
      struct cd_err ignore;
      img_layer_remove (is->root, init_name, &ignore);
    }
  return r;
}

int
img_ctr_layer_remove (struct img_store *is, const char *ctr_id, struct cd_err *err)
{
  char init_name[80];
  snprintf (init_name, sizeof init_name, "%s-init", ctr_id);
  int r = img_layer_remove (is->root, ctr_id, err);
  int r2 = img_layer_remove (is->root, init_name, err);
  return r < 0 ? r : r2;
}

int
img_ctr_layer_dirs (struct img_store *is, const char *ctr_id, struct img_ctr_dirs *out,
                    struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  cleanup_free char *all = NULL;
  int r = img_layer_lowerdirs (is->root, ctr_id, &all, err);
  if (r < 0)
    return r;
  /* The first entry is the container's own layer: it is the upper dir. */
  char *colon = strchr (all, ':');
  if (colon == NULL)
    return cd_err_set (err, EIO, "container layer %s has no parent", ctr_id);
  out->lowerdir = strdup (colon + 1);
  if (asprintf (&out->upperdir, "%s/overlay2/%s/diff", is->root, ctr_id) < 0
      || asprintf (&out->workdir, "%s/overlay2/%s/work", is->root, ctr_id) < 0
      || asprintf (&out->merged, "%s/overlay2/%s/merged", is->root, ctr_id) < 0
      || out->lowerdir == NULL)
    {
      img_ctr_dirs_free (out);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

void
img_ctr_dirs_free (struct img_ctr_dirs *d)
{
  free (d->lowerdir);
  free (d->upperdir);
  free (d->workdir);
  free (d->merged);
  memset (d, 0, sizeof *d);
}

bool
img_ctr_layer_name (const char *root, const char *name, char id[65])
{
  size_t len = strlen (name);
  if ((len != 64 && !(len == 69 && strcmp (name + 64, "-init") == 0))
      || strspn (name, "0123456789abcdef") != 64)
    return false;
  if (len == 64)
    {
      char init[4200];
      struct stat st;
      snprintf (init, sizeof init, "%s/overlay2/%s-init", root, name);
      if (lstat (init, &st) < 0)
        return false;
    }
  if (id)
    snprintf (id, 65, "%.64s", name);
  return true;
}

/* Moves overlay2/<name> into trash, without its l/ link. */
static void
trash_layer (const char *root, const char *name, const char *trash)
{
  char path[4200], to[4200];
  cleanup_free char *link = NULL;
  struct cd_err err;
  struct stat st;
  snprintf (path, sizeof path, "%s/overlay2/%s", root, name);
  if (lstat (path, &st) < 0)
    return;
  log_info ("removing the layer %s of a container that has no record", name);
  snprintf (path, sizeof path, "%s/overlay2/%s/link", root, name);
  if (cd_read_file (path, &link, NULL, &err) == 0 && link[0] && strchr (link, '/') == NULL)
    {
      link[strcspn (link, "\n")] = '\0';
      snprintf (path, sizeof path, "%s/overlay2/l/%s", root, link);
      unlink (path);
    }
  snprintf (path, sizeof path, "%s/overlay2/%s", root, name);
  snprintf (to, sizeof to, "%s/%s", trash, name);
  if (rename (path, to) < 0 && img_layer_remove (root, name, &err) < 0)
    log_warn ("removing orphaned container layer %s: %s", name, err.msg);
}

int
img_ctr_layer_gc (struct img_store *is, const char *trash, struct cd_err *err)
{
  char path[4096], id[65];
  snprintf (path, sizeof path, "%s/overlay2", is->root);
  cleanup_dir DIR *d = opendir (path);
  if (d == NULL)
    return errno == ENOENT ? 0 : cd_err_sys (err, errno, "opendir %s", path);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (!img_ctr_layer_name (is->root, de->d_name, id) || store_container_exists (is->db, id) != 0)
        continue;
      /* "<id>" first: "<id>" is recognised by its "<id>-init" */
      char init[80];
      snprintf (init, sizeof init, "%s-init", id);
      trash_layer (is->root, id, trash);
      trash_layer (is->root, init, trash);
    }
  return 0;
}
