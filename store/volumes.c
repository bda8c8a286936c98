#include "store/volumes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VOL_COLS "name, driver, labels, options, anonymous, populated, created"

void
store_volume_clear (struct store_volume *v)
{
  free (v->name);
  free (v->driver);
  free (v->labels);
  free (v->options);
  memset (v, 0, sizeof *v);
}

static char *
col (sqlite3_stmt *st, int i)
{
  const unsigned char *v = sqlite3_column_text (st, i);
  return strdup (v ? (const char *) v : "");
}

static int
from_row (sqlite3_stmt *st, struct store_volume *v)
{
  v->name = col (st, 0);
  v->driver = col (st, 1);
  v->labels = col (st, 2);
  v->options = col (st, 3);
  v->anonymous = sqlite3_column_int (st, 4) != 0;
  v->populated = sqlite3_column_int (st, 5) != 0;
  v->created = sqlite3_column_int64 (st, 6);
  return v->name && v->driver && v->labels && v->options ? 0 : -ENOMEM;
}

static int
step_done (struct cd_store *s, sqlite3_stmt *st, struct cd_err *err)
{
  if (sqlite3_step (st) == SQLITE_DONE)
    return 0;
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_volume_add (struct cd_store *s, const struct store_volume *v, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "INSERT INTO volumes(" VOL_COLS ") VALUES (?,?,?,?,?,?,?)", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, v->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, v->driver ? v->driver : "local", -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, v->labels ? v->labels : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, v->options ? v->options : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 5, v->anonymous);
  sqlite3_bind_int (st, 6, v->populated);
  sqlite3_bind_int64 (st, 7, v->created);
  if (sqlite3_step (st) == SQLITE_DONE)
    return 0;
  if (sqlite3_extended_errcode (s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
    return cd_err_set (err, EEXIST, "volume %s already exists", v->name);
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_volume_get (struct cd_store *s, const char *name, struct store_volume *out,
                  struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " VOL_COLS " FROM volumes WHERE name = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  r = sqlite3_step (st);
  if (r == SQLITE_DONE)
    return cd_err_set (err, ENOENT, "get %s: no such volume", name);
  if (r != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  if (from_row (st, out) < 0)
    {
      store_volume_clear (out);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
exec_name (struct cd_store *s, const char *sql, const char *name, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, sql, &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  return step_done (s, st, err);
}

int
store_volume_delete (struct cd_store *s, const char *name, struct cd_err *err)
{
  return exec_name (s, "DELETE FROM volumes WHERE name = ?", name, err);
}

int
store_volume_set_populated (struct cd_store *s, const char *name, struct cd_err *err)
{
  return exec_name (s, "UPDATE volumes SET populated = 1 WHERE name = ?", name, err);
}

int
store_volumes_each (struct cd_store *s, store_volume_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " VOL_COLS " FROM volumes ORDER BY name", &st, err);
  if (r < 0)
    return r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_volume v = { 0 };
      if (from_row (st, &v) < 0)
        {
          store_volume_clear (&v);
          return cd_err_set (err, ENOMEM, "out of memory");
        }
      int fr = fn (&v, ctx);
      store_volume_clear (&v);
      if (fr < 0)
        return fr;
    }
  return r == SQLITE_DONE ? 0 : cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_volume_users (struct cd_store *s, const char *name, char *user)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (store_prepare (s, "SELECT container_id FROM volume_refs WHERE volume = ?"
                        " ORDER BY container_id", &st, NULL) < 0)
    return -EIO;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  int n = 0, r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      if (n++ == 0 && user)
        snprintf (user, 65, "%s", (const char *) sqlite3_column_text (st, 0));
    }
  return r == SQLITE_DONE ? n : -EIO;
}

static int
mounts_write (struct cd_store *s, const char *ctr_id, const char *mounts_json,
              const char *const *volumes, size_t n, struct cd_err *err)
{
  int r = exec_name (s, "DELETE FROM volume_refs WHERE container_id = ?", ctr_id, err);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (r == 0)
    r = store_prepare (s, "INSERT OR REPLACE INTO container_mounts(container_id, mounts)"
                          " VALUES (?, ?)", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, ctr_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, mounts_json, -1, SQLITE_STATIC);
  if ((r = step_done (s, st, err)) < 0)
    return r;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_stmt sqlite3_stmt *ins = NULL;
      if ((r = store_prepare (s, "INSERT OR IGNORE INTO volume_refs(volume, container_id)"
                                 " VALUES (?, ?)", &ins, err)) < 0)
        return r;
      sqlite3_bind_text (ins, 1, volumes[i], -1, SQLITE_STATIC);
      sqlite3_bind_text (ins, 2, ctr_id, -1, SQLITE_STATIC);
      if ((r = step_done (s, ins, err)) < 0)
        return r;
    }
  return 0;
}

/* No explicit transaction: the connection is shared by the loop and the
 * workers (a BEGIN from two threads would fail). Refs are written before
 * the mount points and deleted after them, so a crash in between leaves at
 * most a volume counted in use by a container that has no mounts row, which
 * the container's removal clears. */
int
store_ctr_mounts_set (struct cd_store *s, const char *ctr_id, const char *mounts_json,
                      const char *const *volumes, size_t n, struct cd_err *err)
{
  return mounts_write (s, ctr_id, mounts_json, volumes, n, err);
}

int
store_ctr_mounts_get (struct cd_store *s, const char *ctr_id, char **out, struct cd_err *err)
{
  *out = NULL;
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT mounts FROM container_mounts WHERE container_id = ?", &st,
                         err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, ctr_id, -1, SQLITE_STATIC);
  r = sqlite3_step (st);
  if (r == SQLITE_DONE)
    return 0;
  if (r != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  *out = col (st, 0);
  return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

int
store_ctr_mounts_delete (struct cd_store *s, const char *ctr_id, struct cd_err *err)
{
  int r = exec_name (s, "DELETE FROM container_mounts WHERE container_id = ?", ctr_id, err);
  if (r == 0)
    r = exec_name (s, "DELETE FROM volume_refs WHERE container_id = ?", ctr_id, err);
  return r;
}

int
store_ctr_mounts_gc (struct cd_store *s, struct cd_err *err)
{
  int r = store_exec (s, "DELETE FROM container_mounts WHERE container_id NOT IN"
                         " (SELECT id FROM containers)", err);
  if (r == 0)
    r = store_exec (s, "DELETE FROM volume_refs WHERE container_id NOT IN"
                       " (SELECT id FROM containers)", err);
  return r;
}
