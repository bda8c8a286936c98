/* The SQLite metadata store. All SQL of the project lives in store/. */
#ifndef CD_STORE_H
#define CD_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "err.h"

struct cd_store
{
  sqlite3 *db;
  /* synchronous=NORMAL, for what a reboot makes meaningless anyway: events
   * and the runtime state of containers (running/exited, pid, exit code).
   * A commit here never waits for the disk (most run on the loop thread or
   * on the start path); a crash of the daemon keeps it (page cache), the
   * next durable commit on db syncs the shared WAL, and after a power loss
   * the newest of these may be missing: start-up reconciliation derives the
   * state of containers again from what is left (no process survives). */
  sqlite3 *rt_db;
  bool in_txn; /* a store_begin holds db (only its thread reads this) */
  uint64_t containers_gen; /* bumped after every committed change of containers (atomic) */
  char *path;
};

/* Opens (creating) <root>/cdaemon.db in WAL mode, checks integrity, migrates. */
int store_open (const char *root, struct cd_store **out, struct cd_err *err);
void store_close (struct cd_store *s);
/* Schema version after migrations (PRAGMA user_version). */
int store_schema_version (struct cd_store *s);

/* A number that changes after every committed change of the containers
 * table (and every commit): equal before and after a read, nothing changed. */
uint64_t store_containers_generation (struct cd_store *s);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin (struct cd_store *s, struct cd_err *err);
int store_commit (struct cd_store *s, struct cd_err *err);
void store_rollback (struct cd_store *s);

/* Counts for /info. */
struct store_counts
{
  int containers, running, paused, stopped, images;
};
int store_counts (struct cd_store *s, struct store_counts *out, struct cd_err *err);

/* Key/value settings (e.g. the daemon's persistent ID). *out malloc'd or NULL when absent. */
int store_setting_get (struct cd_store *s, const char *key, char **out, struct cd_err *err);
int store_setting_set (struct cd_store *s, const char *key, const char *value, struct cd_err *err);

/* Events. */
struct store_event
{
  int64_t seq;
  int64_t time_nano;
  const char *type, *action, *actor_id, *attributes_json, *scope;
};
int store_event_add (struct cd_store *s, const struct store_event *ev, int64_t keep,
                     struct cd_err *err);
/* Deletes the events older than time_nano (age retention). */
int store_event_trim_before (struct cd_store *s, int64_t time_nano, struct cd_err *err);
typedef int (*store_event_fn) (const struct store_event *ev, void *ctx);
/* Calls fn for events with since <= time_nano <= until (until < 0: no bound), oldest first. */
int store_event_each (struct cd_store *s, int64_t since_nano, int64_t until_nano,
                      store_event_fn fn, void *ctx, struct cd_err *err);

/* Internal: prepares or reports, on db or on rt_db. Every statement of the
 * store comes from these and is finalized by cleanup_stmt: the connection
 * stays held by the calling thread in between (store.c, prepare_on). */
int store_prepare (struct cd_store *s, const char *sql, sqlite3_stmt **st, struct cd_err *err);
int store_prepare_rt (struct cd_store *s, const char *sql, sqlite3_stmt **st, struct cd_err *err);
int store_exec (struct cd_store *s, const char *sql, struct cd_err *err);

static inline void
store_finalizep (sqlite3_stmt **st)
{
  if (*st)
    {
      sqlite3 *db = sqlite3_db_handle (*st);
      sqlite3_finalize (*st);
      sqlite3_mutex_leave (sqlite3_db_mutex (db));
    }
}
#define cleanup_stmt __attribute__ ((cleanup (store_finalizep)))

#endif
