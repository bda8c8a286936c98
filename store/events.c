/* The events table: an append-only log trimmed to the newest `keep` rows. */
#include <stddef.h>

#include "store/store.h"

int
store_event_add (struct cd_store *s, const struct store_event *ev, int64_t keep,
                 struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare_rt (s, "INSERT INTO events(time_nano, type, action, actor_id,"
                            " attributes, scope) VALUES (?, ?, ?, ?, ?, ?)", &st, err);
  if (r < 0)
    return cd_err_wrap (err, "recording event");
  sqlite3_bind_int64 (st, 1, ev->time_nano);
  sqlite3_bind_text (st, 2, ev->type, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, ev->action, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, ev->actor_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, ev->attributes_json ? ev->attributes_json : "{}", -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 6, ev->scope ? ev->scope : "local", -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: recording event: %s", sqlite3_errmsg (s->rt_db));
  int64_t seq = sqlite3_last_insert_rowid (s->rt_db);
  /* Trim in batches so the delete runs once per 64 events, not every time. */
  if (keep > 0 && seq % 64 == 0)
    {
      cleanup_stmt sqlite3_stmt *del = NULL;
      struct cd_err ignore;
      if (store_prepare_rt (s, "DELETE FROM events WHERE seq <= ?", &del, &ignore) == 0)
        {
          sqlite3_bind_int64 (del, 1, seq - keep);
          sqlite3_step (del);
        }
    }
  return 0;
}

int
store_event_each (struct cd_store *s, int64_t since_nano, int64_t until_nano,
                  store_event_fn fn, void *ctx, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT seq, time_nano, type, action, actor_id, attributes, scope"
                            " FROM events WHERE time_nano >= ? AND (? < 0 OR time_nano <= ?)"
                            " ORDER BY seq", &st, err);
  if (r < 0)
    return r;
  sqlite3_bind_int64 (st, 1, since_nano);
  sqlite3_bind_int64 (st, 2, until_nano);
  sqlite3_bind_int64 (st, 3, until_nano);
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_event ev = {
        .seq = sqlite3_column_int64 (st, 0),
        .time_nano = sqlite3_column_int64 (st, 1),
        .type = (const char *) sqlite3_column_text (st, 2),
        .action = (const char *) sqlite3_column_text (st, 3),
        .actor_id = (const char *) sqlite3_column_text (st, 4),
        .attributes_json = (const char *) sqlite3_column_text (st, 5),
        .scope = (const char *) sqlite3_column_text (st, 6),
      };
      int fr = fn (&ev, ctx);
      if (fr < 0)
        return fr;
    }
  if (r != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: reading events: %s", sqlite3_errmsg (s->db));
  return 0;
}

int
store_event_trim_before (struct cd_store *s, int64_t time_nano, struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (store_prepare_rt (s, "DELETE FROM events WHERE time_nano < ?", &st, err) < 0)
    return cd_err_wrap (err, "trimming events");
  sqlite3_bind_int64 (st, 1, time_nano);
  if (sqlite3_step (st) != SQLITE_DONE)
    return cd_err_set (err, EIO, "store: trimming events: %s", sqlite3_errmsg (s->rt_db));
  return 0;
}
