#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "store/schema.h"

/* The connection is held (its recursive mutex) from prepare to finalize, so
 * a statement of one thread never runs inside another thread's transaction
 * or read snapshot (which makes a write fail at once with "database is
 * locked", the busy timeout notwithstanding), and an error message is read
 * before anyone else's call replaces it. Lock order: db, then rt_db. */
static int
prepare_on (sqlite3 *db, const char *sql, sqlite3_stmt **st, struct cd_err *err)
{
  sqlite3_mutex_enter (sqlite3_db_mutex (db));
  if (sqlite3_prepare_v2 (db, sql, -1, st, NULL) == SQLITE_OK)
    return 0;
  int r = cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (db));
  sqlite3_finalize (*st);
  *st = NULL;
  sqlite3_mutex_leave (sqlite3_db_mutex (db));
  return r;
}

int
store_prepare (struct cd_store *s, const char *sql, sqlite3_stmt **st, struct cd_err *err)
{
  return prepare_on (s->db, sql, st, err);
}

int
store_prepare_rt (struct cd_store *s, const char *sql, sqlite3_stmt **st, struct cd_err *err)
{
  return prepare_on (s->rt_db, sql, st, err);
}

int
store_exec (struct cd_store *s, const char *sql, struct cd_err *err)
{
  char *msg = NULL;
  if (sqlite3_exec (s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      int r = cd_err_set (err, EIO, "store: %s", msg ? msg : sqlite3_errmsg (s->db));
      sqlite3_free (msg);
      return r;
    }
  return 0;
}

/* A transaction holds db from BEGIN to COMMIT or ROLLBACK (see prepare_on). */
int
store_begin (struct cd_store *s, struct cd_err *err)
{
  sqlite3_mutex_enter (sqlite3_db_mutex (s->db));
  int r = store_exec (s, "BEGIN IMMEDIATE", err);
  if (r < 0)
    sqlite3_mutex_leave (sqlite3_db_mutex (s->db));
  else
    s->in_txn = true;
  return r;
}

static void
end_txn (struct cd_store *s)
{
  s->in_txn = false;
  sqlite3_mutex_leave (sqlite3_db_mutex (s->db));
}

int
store_commit (struct cd_store *s, struct cd_err *err)
{
  int r = store_exec (s, "COMMIT", err);
  if (r < 0)
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  end_txn (s);
  __atomic_add_fetch (&s->containers_gen, 1, __ATOMIC_RELEASE);
  return r;
}

uint64_t
store_containers_generation (struct cd_store *s)
{
  return __atomic_load_n (&s->containers_gen, __ATOMIC_ACQUIRE);
}

/* After a failed step inside a transaction (a failed commit already ended it). */
void
store_rollback (struct cd_store *s)
{
  if (!s->in_txn)
    return;
  sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  end_txn (s);
}

int
store_schema_version (struct cd_store *s)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  struct cd_err ignore;
  if (store_prepare (s, "PRAGMA user_version", &st, &ignore) < 0)
    return -EIO;
  return sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int (st, 0) : -EIO;
}

static int
check_integrity (struct cd_store *s, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (store_prepare (s, "PRAGMA integrity_check", &st, err) < 0)
    return cd_err_wrap (err, "store %s is not a usable database", s->path);
  int rc = sqlite3_step (st);
  if (rc != SQLITE_ROW)
    return cd_err_set (err, EIO, "store %s is not a usable database: %s", s->path,
                       sqlite3_errmsg (s->db));
  const char *res = (const char *) sqlite3_column_text (st, 0);
  if (res == NULL || strcmp (res, "ok") != 0)
    return cd_err_set (err, EIO, "store %s failed its integrity check: %s", s->path,
                       res ? res : "?");
  return 0;
}

static int
migrate (struct cd_store *s, struct cd_err *err)
{
  int v = store_schema_version (s);
  if (v < 0)
    return cd_err_set (err, EIO, "store: cannot read schema version: %s", sqlite3_errmsg (s->db));
  size_t n = store_migration_count ();
  if ((size_t) v > n)
    return cd_err_set (err, EPROTO,
                       "store %s has schema version %d, newer than this cdaemon knows (%zu)",
                       s->path, v, n);
  for (size_t i = (size_t) v; i < n; i++)
    {
      int r = store_begin (s, err);
      if (r < 0)
        return r;
      char pragma[64];
      snprintf (pragma, sizeof pragma, "PRAGMA user_version = %zu", i + 1);
      if ((r = store_exec (s, store_migration (i), err)) < 0
          || (r = store_exec (s, pragma, err)) < 0 || (r = store_commit (s, err)) < 0)
        {
          store_rollback (s);
          return cd_err_wrap (err, "migrating store to version %zu", i + 1);
        }
    }
  return 0;
}

int
store_open (const char *root, struct cd_store **out, struct cd_err *err)
{
  struct cd_store *s = calloc (1, sizeof *s);
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  s->path = cd_path_join (root, "cdaemon.db");
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int r;
  if (s->path == NULL)
    {
      r = cd_err_set (err, ENOMEM, "out of memory");
      goto fail;
    }
  if (sqlite3_open_v2 (s->path, &s->db, flags, NULL) != SQLITE_OK)
    {
      r = cd_err_set (err, EIO, "cannot open store %s: %s", s->path,
                      s->db ? sqlite3_errmsg (s->db) : "out of memory");
      goto fail;
    }
  sqlite3_busy_timeout (s->db, 5000);
  sqlite3_extended_result_codes (s->db, 1);
  if ((r = check_integrity (s, err)) < 0)
    goto fail;
  if ((r = store_exec (s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          " PRAGMA foreign_keys=ON;", err)) < 0
      || (r = migrate (s, err)) < 0)
    goto fail;
  if (sqlite3_open_v2 (s->path, &s->rt_db, flags, NULL) != SQLITE_OK
      || sqlite3_exec (s->rt_db, "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK)
    {
      r = cd_err_set (err, EIO, "cannot open store %s: %s", s->path,
                      s->rt_db ? sqlite3_errmsg (s->rt_db) : "out of memory");
      goto fail;
    }
  sqlite3_busy_timeout (s->rt_db, 5000);
  *out = s;
  return 0;
fail:
  store_close (s);
  return r;
}

void
store_close (struct cd_store *s)
{
  if (s == NULL)
    return;
  if (s->rt_db)
    sqlite3_close_v2 (s->rt_db);
  if (s->db)
    sqlite3_close_v2 (s->db);
  free (s->path);
  free (s);
}

static int
count_query (struct cd_store *s, const char *sql, int *out, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, sql, &st, err);
  if (r < 0)
    return r;
  if (sqlite3_step (st) != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  *out = sqlite3_column_int (st, 0);
  return 0;
}

int
store_counts (struct cd_store *s, struct store_counts *c, struct cd_err *err)
{
  int r;
  memset (c, 0, sizeof *c);
  if ((r = count_query (s, "SELECT count(*) FROM containers", &c->containers, err)) < 0
      || (r = count_query (s, "SELECT count(*) FROM containers WHERE state IN"
                              " ('running','restarting')", &c->running, err)) < 0
      || (r = count_query (s, "SELECT count(*) FROM containers WHERE state='paused'",
                           &c->paused, err)) < 0
      || (r = count_query (s, "SELECT count(*) FROM images", &c->images, err)) < 0)
    return r;
  c->stopped = c->containers - c->running - c->paused;
  return 0;
}

int
store_setting_get (struct cd_store *s, const char *key, char **out, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT value FROM settings WHERE key = ?", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
  *out = NULL;
  r = sqlite3_step (st);
  if (r == SQLITE_ROW)
    {
      *out = strdup ((const char *) sqlite3_column_text (st, 0));
      return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
    }
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  return 0;
}

int
store_setting_set (struct cd_store *s, const char *key, const char *value, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "INSERT INTO settings(key, value) VALUES (?, ?)"
                            " ON CONFLICT(key) DO UPDATE SET value = excluded.value", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, value, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  return 0;
}
