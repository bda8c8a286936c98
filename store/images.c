#include "store/images.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
copy_col (char *dst, size_t len, sqlite3_stmt *st, int col)
{
  const unsigned char *v = sqlite3_column_text (st, col);
  snprintf (dst, len, "%s", v ? (const char *) v : "");
}

static int
step_done (struct cd_store *s, sqlite3_stmt *st, struct cd_err *err)
{
  int rc = sqlite3_step (st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  return 0;
}

void
store_image_clear (struct store_image *img)
{
  free (img->config);
  memset (img, 0, sizeof *img);
}

static void
layer_from_row (sqlite3_stmt *st, struct store_layer *l)
{
  copy_col (l->chain_id, sizeof l->chain_id, st, 0);
  copy_col (l->diff_id, sizeof l->diff_id, st, 1);
  copy_col (l->parent, sizeof l->parent, st, 2);
  copy_col (l->cache_id, sizeof l->cache_id, st, 3);
  l->size = sqlite3_column_int64 (st, 4);
}

#define LAYER_COLS "l.chain_id, l.diff_id, l.parent, l.cache_id, l.size"

int
store_layer_get (struct cd_store *s, const char *chain_id, struct store_layer *out,
                 struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " LAYER_COLS " FROM layers l WHERE chain_id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, chain_id, -1, SQLITE_STATIC);
  r = sqlite3_step (st);
  if (r == SQLITE_ROW)
    {
      layer_from_row (st, out);
      return 0;
    }
  if (r == SQLITE_DONE)
    return -ENOENT;
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_layer_add (struct cd_store *s, const struct store_layer *l, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "INSERT INTO layers(chain_id, diff_id, parent, cache_id, size)"
                            " VALUES (?, ?, ?, ?, ?)", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, l->chain_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, l->diff_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, l->parent, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, l->cache_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 5, l->size);
  return step_done (s, st, err);
}

int
store_layer_delete (struct cd_store *s, const char *chain_id, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "DELETE FROM layers WHERE chain_id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, chain_id, -1, SQLITE_STATIC);
  return step_done (s, st, err);
}

static int
each_layer (struct cd_store *s, sqlite3_stmt *st, store_layer_fn fn, void *ctx,
            struct cd_err *err)
{
  int r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_layer l;
      layer_from_row (st, &l);
      int fr = fn (&l, ctx);
      if (fr < 0)
        return fr;
    }
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  return 0;
}

int
store_layers_unused (struct cd_store *s, store_layer_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  /* Children first, so a parent's directory outlives its children's. */
  int r = store_prepare (s, "SELECT " LAYER_COLS " FROM layers l WHERE NOT EXISTS"
                            " (SELECT 1 FROM image_layers il WHERE il.chain_id = l.chain_id)"
                            " ORDER BY length(l.parent) DESC", &st, err);
  return r < 0 ? r : each_layer (s, st, fn, ctx, err);
}

int
store_layers_all (struct cd_store *s, store_layer_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " LAYER_COLS " FROM layers l", &st, err);
  return r < 0 ? r : each_layer (s, st, fn, ctx, err);
}

int
store_image_layers (struct cd_store *s, const char *image_id, store_layer_fn fn, void *ctx,
                    struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " LAYER_COLS " FROM image_layers il JOIN layers l"
                            " ON l.chain_id = il.chain_id WHERE il.image_id = ? ORDER BY il.idx",
                         &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, image_id, -1, SQLITE_STATIC);
  return each_layer (s, st, fn, ctx, err);
}

#define IMAGE_COLS "id, config, top_chain_id, parent, size, created, loaded_at"

static int
image_from_row (sqlite3_stmt *st, struct store_image *img)
{
  copy_col (img->id, sizeof img->id, st, 0);
  img->config = strdup ((const char *) sqlite3_column_text (st, 1));
  copy_col (img->top_chain, sizeof img->top_chain, st, 2);
  copy_col (img->parent, sizeof img->parent, st, 3);
  img->size = sqlite3_column_int64 (st, 4);
  img->created = sqlite3_column_int64 (st, 5);
  img->loaded_at = sqlite3_column_int64 (st, 6);
  return img->config ? 0 : -ENOMEM;
}

int
store_image_get (struct cd_store *s, const char *id, struct store_image *out, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " IMAGE_COLS " FROM images WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  r = sqlite3_step (st);
  if (r == SQLITE_ROW)
    return image_from_row (st, out);
  if (r == SQLITE_DONE)
    return -ENOENT;
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_image_add (struct cd_store *s, const struct store_image *img,
                 char (*chain_ids)[CD_DIGEST_LEN], int n, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "INSERT OR IGNORE INTO images(id, config, top_chain_id, parent, size,"
                            " created, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, img->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, img->config, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, img->top_chain, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, img->parent, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 5, img->size);
  sqlite3_bind_int64 (st, 6, img->created);
  sqlite3_bind_int64 (st, 7, img->loaded_at);
  if ((r = step_done (s, st, err)) < 0)
    return r;
  if (sqlite3_changes (s->db) == 0)
    return 0; /* already there with the same config, hence the same layers */
  cleanup_stmt sqlite3_stmt *il = NULL;
  if ((r = store_prepare (s, "INSERT INTO image_layers(image_id, idx, chain_id) VALUES (?, ?, ?)",
                          &il, err)) < 0)
    return r;
  for (int i = 0; i < n; i++)
    {
      sqlite3_reset (il);
      sqlite3_bind_text (il, 1, img->id, -1, SQLITE_STATIC);
      sqlite3_bind_int (il, 2, i);
      sqlite3_bind_text (il, 3, chain_ids[i], -1, SQLITE_STATIC);
      if ((r = step_done (s, il, err)) < 0)
        return r;
    }
  return 0;
}

int
store_image_delete (struct cd_store *s, const char *id, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "DELETE FROM images WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  return step_done (s, st, err);
}

int
store_image_find_prefix (struct cd_store *s, const char *hex, char out[CD_DIGEST_LEN],
                         struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT id FROM images WHERE substr(id, 8, ?) = ? LIMIT 2", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_int (st, 1, (int) strlen (hex));
  sqlite3_bind_text (st, 2, hex, -1, SQLITE_STATIC);
  int found = 0;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    if (found++ == 0)
      copy_col (out, CD_DIGEST_LEN, st, 0);
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  if (found == 0)
    return -ENOENT;
  if (found > 1)
    return cd_err_set (err, EINVAL, "image ID prefix %s is ambiguous", hex);
  return 0;
}

int
store_images_each (struct cd_store *s, store_image_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " IMAGE_COLS " FROM images ORDER BY created DESC, id", &st,
                         err);
  if (r < 0)
    return r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_image img = { 0 };
      if (image_from_row (st, &img) < 0)
        return cd_err_set (err, ENOMEM, "out of memory");
      int fr = fn (&img, ctx);
      store_image_clear (&img);
      if (fr < 0)
        return fr;
    }
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  return 0;
}

static int
count_by (struct cd_store *s, const char *sql, const char *id, int *count, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, sql, &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  *count = sqlite3_column_int (st, 0);
  return 0;
}

int
store_image_containers (struct cd_store *s, const char *id, int *count, struct cd_err *err)
{
  return count_by (s, "SELECT count(*) FROM containers WHERE image_id = ?", id, count, err);
}

int
store_image_children (struct cd_store *s, const char *id, int *count, struct cd_err *err)
{
  return count_by (s, "SELECT count(*) FROM images WHERE parent = ?", id, count, err);
}

int
store_tag_get (struct cd_store *s, const char *ref, char image_id[CD_DIGEST_LEN],
               struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT image_id FROM image_tags WHERE ref = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, ref, -1, SQLITE_STATIC);
  r = sqlite3_step (st);
  if (r == SQLITE_ROW)
    {
      copy_col (image_id, CD_DIGEST_LEN, st, 0);
      return 0;
    }
  return r == SQLITE_DONE ? -ENOENT : cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_tag_set (struct cd_store *s, const char *ref, const char *image_id, const char *kind,
               char previous[CD_DIGEST_LEN], struct cd_err *err)
{
  previous[0] = '\0';
  int r = store_tag_get (s, ref, previous, err);
  if (r < 0 && r != -ENOENT)
    return r;
  cleanup_stmt sqlite3_stmt *st = NULL;
  if ((r = store_prepare (s, "INSERT INTO image_tags(ref, image_id, kind) VALUES (?, ?, ?)"
                             " ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id",
                          &st, err)) < 0)
    return r;
  sqlite3_bind_text (st, 1, ref, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, image_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, kind, -1, SQLITE_STATIC);
  return step_done (s, st, err);
}

int
store_tag_delete (struct cd_store *s, const char *ref, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "DELETE FROM image_tags WHERE ref = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, ref, -1, SQLITE_STATIC);
  return step_done (s, st, err);
}

int
store_image_tags (struct cd_store *s, const char *image_id, store_tag_fn fn, void *ctx,
                  struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT ref, kind FROM image_tags WHERE image_id = ? ORDER BY ref",
                         &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, image_id, -1, SQLITE_STATIC);
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      int fr = fn ((const char *) sqlite3_column_text (st, 0),
                   (const char *) sqlite3_column_text (st, 1), ctx);
      if (fr < 0)
        return fr;
    }
  return r == SQLITE_DONE ? 0 : cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}
