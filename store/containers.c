#include "store/containers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTR_COLS "id, name, image_id, image_ref, state, config, host_config, state_json," \
                 " created, restart_count"

void
store_container_clear (struct store_container *c)
{
  free (c->name);
  free (c->image_id);
  free (c->image_ref);
  free (c->state);
  free (c->config);
  free (c->host_config);
  free (c->state_json);
  memset (c, 0, sizeof *c);
}

static char *
col (sqlite3_stmt *st, int i)
{
  const unsigned char *v = sqlite3_column_text (st, i);
  return strdup (v ? (const char *) v : "");
}

static int
from_row (sqlite3_stmt *st, struct store_container *c)
{
  snprintf (c->id, sizeof c->id, "%s", (const char *) sqlite3_column_text (st, 0));
  c->name = col (st, 1);
  c->image_id = col (st, 2);
  c->image_ref = col (st, 3);
  c->state = col (st, 4);
  c->config = col (st, 5);
  c->host_config = col (st, 6);
  c->state_json = col (st, 7);
  c->created = sqlite3_column_int64 (st, 8);
  c->restart_count = sqlite3_column_int (st, 9);
  if (!c->name || !c->image_id || !c->image_ref || !c->state || !c->config || !c->host_config
      || !c->state_json)
    return -ENOMEM;
  return 0;
}

/* After a container row changed (committed: autocommit ends with the step,
 * a transaction bumps again at store_commit): readers' caches are stale. */
static int
store_changed (struct cd_store *s)
{
  __atomic_add_fetch (&s->containers_gen, 1, __ATOMIC_RELEASE);
  return 0;
}

static int
done (struct cd_store *s, sqlite3_stmt *st, struct cd_err *err)
{
  int rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    return 0;
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_container_add (struct cd_store *s, const struct store_container *c, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = c->auto_remove ? store_prepare_rt (s, "INSERT INTO containers(" CTR_COLS ")"
                                             " VALUES (?,?,?,?,?,?,?,?,?,?)", &st, err)
                         : store_prepare (s, "INSERT INTO containers(" CTR_COLS ")"
                                          " VALUES (?,?,?,?,?,?,?,?,?,?)", &st, err);
  if (r < 0)
    return r;
  const char *vals[] = { c->id, c->name, c->image_id, c->image_ref, c->state, c->config,
                         c->host_config, c->state_json };
  for (int i = 0; i < 8; i++)
    sqlite3_bind_text (st, i + 1, vals[i] ? vals[i] : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 9, c->created);
  sqlite3_bind_int (st, 10, c->restart_count);
  if (sqlite3_step (st) == SQLITE_DONE)
    return store_changed (s);
  sqlite3 *db = sqlite3_db_handle (st);
  if (sqlite3_extended_errcode (db) != SQLITE_CONSTRAINT_UNIQUE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (db));
  /* released first: the lookup below takes db, never while rt_db is held */
  store_finalizep (&st);
  st = NULL;
  struct store_container other = { 0 };
  char msg_id[65] = "?";
  struct cd_err ignore;
  if (store_container_find (s, c->name, &other, &ignore) == 0)
    snprintf (msg_id, sizeof msg_id, "%s", other.id);
  store_container_clear (&other);
  return cd_err_set (err, EEXIST, "Conflict. The container name \"/%s\" is already in use by"
                     " container \"%s\". You have to remove (or rename) that container to be"
                     " able to reuse that name.", c->name, msg_id);
}

int
store_container_set_state (struct cd_store *s, const char *id, const char *state,
                           const char *state_json, int restart_count, struct cd_err *err)
{
  /* Runtime state: through the connection that does not wait for the disk
   * (store.h: meaningless after a reboot, kept by a crash of the daemon). */
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare_rt (s, "UPDATE containers SET state = ?, state_json = ?,"
                            " restart_count = ? WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, state_json, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 3, restart_count);
  sqlite3_bind_text (st, 4, id, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->rt_db));
  return store_changed (s);
}

int
store_container_rename (struct cd_store *s, const char *id, const char *name, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "UPDATE containers SET name = ? WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_DONE)
    return store_changed (s);
  if (sqlite3_extended_errcode (s->db) == SQLITE_CONSTRAINT_UNIQUE)
    return cd_err_set (err, EEXIST, "Error when allocating new name: Conflict. The container name"
                       " \"/%s\" is already in use", name);
  return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_container_set_host_config (struct cd_store *s, const char *id, const char *host_config,
                                 struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "UPDATE containers SET host_config = ? WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, host_config, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, id, -1, SQLITE_STATIC);
  r = done (s, st, err);
  store_changed (s);
  return r;
}

int
store_container_delete (struct cd_store *s, const char *id, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "DELETE FROM containers WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  r = done (s, st, err);
  store_changed (s);
  return r;
}

int
store_container_drop (struct cd_store *s, const char *id, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare_rt (s, "DELETE FROM containers WHERE id = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->rt_db));
  return store_changed (s);
}

/* One lookup: 1 found, 0 none, -EINVAL ambiguous (for prefixes), <0 error. */
static int
find_by (struct cd_store *s, const char *sql, const char *arg, int arglen,
         struct store_container *out, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, sql, &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, arg, -1, SQLITE_STATIC);
  if (arglen >= 0)
    sqlite3_bind_int (st, 2, arglen);
  int found = 0;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      if (found++ == 0 && from_row (st, out) < 0)
        return cd_err_set (err, ENOMEM, "out of memory");
    }
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  if (found > 1)
    {
      store_container_clear (out);
      return cd_err_set (err, EINVAL, "multiple IDs found with provided prefix: %s", arg);
    }
  return found;
}

int
store_container_find (struct cd_store *s, const char *ref, struct store_container *out,
                      struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  const char *name = ref[0] == '/' ? ref + 1 : ref;
  int r = find_by (s, "SELECT " CTR_COLS " FROM containers WHERE id = ?", ref, -1, out, err);
  if (r == 0)
    r = find_by (s, "SELECT " CTR_COLS " FROM containers WHERE name = ?", name, -1, out, err);
  if (r == 0 && strspn (ref, "0123456789abcdef") == strlen (ref) && ref[0])
    r = find_by (s, "SELECT " CTR_COLS " FROM containers WHERE substr(id, 1, ?2) = ?1 LIMIT 2",
                 ref, (int) strlen (ref), out, err);
  if (r < 0)
    return r;
  if (r == 0)
    return cd_err_set (err, ENOENT, "No such container: %s", ref);
  return 0;
}

int
store_containers_each (struct cd_store *s, store_container_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT " CTR_COLS " FROM containers ORDER BY created DESC", &st, err);
  if (r < 0)
    return r;
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_container c = { 0 };
      if (from_row (st, &c) < 0)
        {
          store_container_clear (&c);
          return cd_err_set (err, ENOMEM, "out of memory");
        }
      int fr = fn (&c, ctx);
      store_container_clear (&c);
      if (fr < 0)
        return fr;
    }
  return r == SQLITE_DONE ? 0 : cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_container_exists (struct cd_store *s, const char *id)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (store_prepare (s, "SELECT 1 FROM containers WHERE id = ?", &st, NULL) < 0)
    return -EIO;
  sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  return sqlite3_step (st) == SQLITE_ROW;
}
