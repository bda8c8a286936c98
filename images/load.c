/* POST /images/load: one streaming pass over a docker-save or OCI archive.
 * Layer entries are extracted (and hashed) into temporary directories as they
 * arrive; small JSON entries are kept in memory. At the end the manifest says
 * which image is which; every digest is checked before anything is stored. */
#include <archive.h>
#include <archive_entry.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/extract.h"
#include "images/images.h"
#include "images/layers.h"
#include "images/load.h"
#include "images/save.h"

#define LOAD_JSON_MAX (16u << 20)

static char *
clean_name (const char *name)
{
  while (name[0] == '.' && name[1] == '/')
    name += 2;
  while (*name == '/')
    name++;
  return strdup (name);
}

static struct entry *
entry_add (struct load *l, const char *name)
{
  if (l->n == l->cap)
    {
      size_t cap = l->cap ? l->cap * 2 : 16;
      struct entry *ne = realloc (l->e, cap * sizeof *ne);
      if (ne == NULL)
        return NULL;
      l->e = ne;
      l->cap = cap;
    }
  struct entry *e = &l->e[l->n++];
  memset (e, 0, sizeof *e);
  e->name = clean_name (name);
  return e;
}

struct entry *
entry_find (struct load *l, const char *name)
{
  for (int hops = 0; hops < 16; hops++)
    {
      struct entry *hit = NULL;
      for (size_t i = 0; i < l->n; i++)
        if (strcmp (l->e[i].name, name) == 0)
          hit = &l->e[i];
      if (hit == NULL || hit->link == NULL)
        return hit;
      name = hit->link;
    }
  return NULL;
}

static ssize_t
entry_read (void *ctx, const void **buf)
{
  struct load *l = ctx;
  ssize_t n;
  if (l->peek)
    {
      *buf = l->peek;
      l->peek = NULL;
      n = l->peek_len;
    }
  else
    {
      n = archive_read_data (l->a, l->buf, sizeof l->buf);
      *buf = l->buf;
    }
  return n < 0 ? -EIO : n;
}

static bool
is_json (const char *name, const char *first, ssize_t n)
{
  size_t len = strlen (name);
  if ((len > 5 && strcmp (name + len - 5, ".json") == 0) || strcmp (name, "repositories") == 0
      || strcmp (name, "oci-layout") == 0)
    return true;
  return n > 0 && (first[0] == '{' || first[0] == '[');
}

/* docker save names layers <dir>/layer.tar; OCI keeps them under blobs/. */
static bool
is_layer (const char *name)
{
  size_t len = strlen (name);
  return strncmp (name, "blobs/", 6) == 0 || (len >= 9 && strcmp (name + len - 9, "layer.tar") == 0)
         || (len > 4 && strcmp (name + len - 4, ".tar") == 0)
         || (len > 7 && strcmp (name + len - 7, ".tar.gz") == 0);
}

static int
read_json_entry (struct load *l, struct entry *e, ssize_t first, struct cd_err *err)
{
  size_t cap = (size_t) first + LOAD_CHUNK + 1;
  e->json = malloc (cap);
  if (e->json == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  memcpy (e->json, l->buf, (size_t) first);
  e->json_len = (size_t) first;
  for (;;)
    {
      if (e->json_len + LOAD_CHUNK + 1 > cap)
        {
          if (cap > LOAD_JSON_MAX)
            return cd_err_set (err, EINVAL, "archive entry %s is too large for metadata", e->name);
          cap *= 2;
          char *nj = realloc (e->json, cap);
          if (nj == NULL)
            return cd_err_set (err, ENOMEM, "out of memory");
          e->json = nj;
        }
      ssize_t n = archive_read_data (l->a, e->json + e->json_len, LOAD_CHUNK);
      if (n < 0)
        return cd_err_set (err, EINVAL, "invalid archive: %s", archive_error_string (l->a));
      if (n == 0)
        break;
      e->json_len += (size_t) n;
    }
  e->json[e->json_len] = '\0';
  return 0;
}

static void
progress (struct load *l, const struct entry *e)
{
  if (l->quiet || l->msg == NULL)
    return;
  char id[13], bar[128], size[32];
  snprintf (id, sizeof id, "%.12s", e->res.diff_id + 7);
  /* Docker's decimal units with 4 significant digits: "2.14MB", "10.24kB" */
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double v = (double) e->res.tar_size;
  int u = 0;
  while (v >= 1000 && u < 4)
    v /= 1000, u++;
  snprintf (size, sizeof size, "%.4g%s", v, units[u]);
  snprintf (bar, sizeof bar, "[==================================================>]  %s/%s",
            size, size);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "status", json_object_new_string ("Loading layer"));
  json_object *pd = json_object_new_object ();
  json_object_object_add (pd, "current", json_object_new_int64 ((int64_t) e->res.tar_size));
  json_object_object_add (pd, "total", json_object_new_int64 ((int64_t) e->res.tar_size));
  json_object_object_add (o, "progressDetail", pd);
  json_object_object_add (o, "progress", json_object_new_string (bar));
  json_object_object_add (o, "id", json_object_new_string (id));
  l->msg (l->mctx, o);
  json_object_put (o);
}

static int
read_layer_entry (struct load *l, struct entry *e, ssize_t first, struct cd_err *err)
{
  int r = img_layer_tmp (l->is->root, &e->tmpdir, err);
  if (r < 0)
    return r;
  char dest[4200];
  snprintf (dest, sizeof dest, "%s/diff", e->tmpdir);
  l->peek = l->buf;
  l->peek_len = first;
  /* the tar-split lets save write the layer back as it came */
  struct img_tsrec *rec = img_tsrec_new (e->tmpdir);
  r = img_extract_layer_tap (entry_read, l, dest, NULL, rec ? img_tsrec_tap : NULL, rec, &e->res,
                             err);
  l->peek = NULL;
  img_tsrec_finish (rec, r == 0);
  if (r < 0)
    return cd_err_wrap (err, "layer %s", e->name);
  progress (l, e);
  return 0;
}

static int
read_entry (struct load *l, struct archive_entry *ae, struct cd_err *err)
{
  const char *name = archive_entry_pathname (ae);
  const char *hl = archive_entry_hardlink (ae);
  mode_t type = archive_entry_filetype (ae);
  if (name == NULL || (type == AE_IFDIR && hl == NULL))
    return 0;
  struct entry *e = entry_add (l, name);
  if (e == NULL || e->name == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (hl || type == AE_IFLNK)
    {
      /* docker save links repeated layers to the first copy. */
      if (hl)
        e->link = clean_name (hl);
      else
        {
          cleanup_free char *dir = strdup (e->name);
          const char *target = archive_entry_symlink (ae);
          if (asprintf (&e->link, "%s/%s", dirname (dir), target ? target : "") < 0)
            return cd_err_set (err, ENOMEM, "out of memory");
          /* collapse "a/../b" */
          char *p;
          while ((p = strstr (e->link, "/../")) != NULL)
            {
              char *q = p;
              while (q > e->link && q[-1] != '/')
                q--;
              memmove (q, p + 4, strlen (p + 4) + 1);
            }
        }
      return 0;
    }
  if (type != AE_IFREG)
    return 0;
  ssize_t first = archive_read_data (l->a, l->buf, sizeof l->buf);
  if (first < 0)
    return cd_err_set (err, EINVAL, "invalid archive: %s", archive_error_string (l->a));
  if (is_json (e->name, l->buf, first))
    return read_json_entry (l, e, first, err);
  if (!is_layer (e->name))
    return 0; /* VERSION files and the like: nothing to keep */
  return read_layer_entry (l, e, first, err);
}

static int
read_archive (struct load *l, int fd, struct cd_err *err)
{
  l->a = archive_read_new ();
  archive_read_support_filter_gzip (l->a);
  archive_read_support_filter_none (l->a);
  archive_read_support_format_tar (l->a);
  archive_read_support_format_gnutar (l->a);
  if (archive_read_open_fd (l->a, fd, LOAD_CHUNK) != ARCHIVE_OK)
    return cd_err_set (err, EINVAL, "invalid archive: %s", archive_error_string (l->a));
  struct archive_entry *ae;
  int r, ar;
  size_t entries = 0;
  while ((ar = archive_read_next_header (l->a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)
    {
      entries++;
      if ((r = read_entry (l, ae, err)) < 0)
        return r;
    }
  if (ar != ARCHIVE_EOF)
    return cd_err_set (err, EINVAL, "invalid archive: %s", archive_error_string (l->a));
  if (entries == 0)
    return cd_err_set (err, EINVAL, "invalid archive: empty or not a tar file");
  return 0;
}

static void
load_free (struct load *l)
{
  struct cd_err ignore;
  for (size_t i = 0; i < l->n; i++)
    {
      if (l->e[i].tmpdir)
        cd_rm_rf (l->e[i].tmpdir, &ignore);
      free (l->e[i].tmpdir);
      free (l->e[i].name);
      free (l->e[i].json);
      free (l->e[i].link);
    }
  free (l->e);
  if (l->a)
    archive_read_free (l->a);
}

int
img_load (struct img_store *is, int fd, bool quiet, img_msg_fn msg, void *mctx,
          struct cd_err *err)
{
  struct load l = { .is = is, .quiet = quiet, .msg = msg, .mctx = mctx };
  int r = read_archive (&l, fd, err);
  if (r == 0)
    r = load_images (&l, err);
  load_free (&l);
  return r;
}
