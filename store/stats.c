/* Light queries for the stats sampler and /metrics: only the columns they use. */
#include <string.h>

#include "store/stats.h"

int
store_containers_live (struct cd_store *s, const char *id, store_live_fn fn, void *ctx,
                       struct cd_err *err)
{
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, "SELECT id, name, image_ref, state, json_extract(state_json, '$.Pid'),"
                            " restart_count,"
                            " coalesce(json_extract(host_config, '$.NetworkMode'), '') FROM containers"
                            " WHERE state IN ('running', 'paused', 'restarting')"
                            " AND (?1 IS NULL OR id = ?1)", &st, err);
  if (r < 0)
    return r;
  if (id)
    sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
  while ((r = sqlite3_step (st)) == SQLITE_ROW)
    {
      struct store_live c = {
        .id = (const char *) sqlite3_column_text (st, 0),
        .name = (const char *) sqlite3_column_text (st, 1),
        .image_ref = (const char *) sqlite3_column_text (st, 2),
        .state = (const char *) sqlite3_column_text (st, 3),
        .pid = sqlite3_column_int64 (st, 4),
        .restart_count = sqlite3_column_int (st, 5),
        .network_mode = (const char *) sqlite3_column_text (st, 6),
      };
      if (c.id && c.name && c.image_ref && c.state && c.network_mode)
        fn (&c, ctx);
    }
  return r == SQLITE_DONE ? 0 : cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
}

int
store_count_rows (struct cd_store *s, const char *table, int64_t *out, struct cd_err *err)
{
  static const char *const ok[] = { "layers", "volumes", "images", "networks", NULL };
  const char *sql = NULL;
  static const char *const q[] = { "SELECT count(*) FROM layers", "SELECT count(*) FROM volumes",
                                   "SELECT count(*) FROM images", "SELECT count(*) FROM networks" };
  for (int i = 0; ok[i]; i++)
    if (strcmp (ok[i], table) == 0)
      sql = q[i];
  if (sql == NULL)
    return cd_err_set (err, EINVAL, "store: no table %s", table);
  cleanup_stmt sqlite3_stmt *st = NULL;
  int r = store_prepare (s, sql, &st, err);
  if (r < 0)
    return r;
  if (sqlite3_step (st) != SQLITE_ROW)
    return cd_err_set (err, EIO, "store: %s", sqlite3_errmsg (s->db));
  *out = sqlite3_column_int64 (st, 0);
  return 0;
}
