/* The SQLite store on a real file: migrations, integrity check, events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsutil.h"
#include "store/containers.h"
#include "store/schema.h"
#include "store/store.h"

static char dir[] = "/tmp/cd-store-test.XXXXXX";

static void
test_open_migrate_reopen (void **state)
{
  (void) state;
  struct cd_store *s;
  struct cd_err err = { 0 };
  assert_int_equal (store_open (dir, &s, &err), 0);
  assert_int_equal (store_schema_version (s), (int) store_migration_count ());
  assert_int_equal (store_setting_set (s, "k", "v1", &err), 0);
  store_close (s);
  assert_int_equal (store_open (dir, &s, &err), 0);
  char *v = NULL;
  assert_int_equal (store_setting_get (s, "k", &v, &err), 0);
  assert_string_equal (v, "v1");
  free (v);
  struct store_counts c;
  assert_int_equal (store_counts (s, &c, &err), 0);
  assert_int_equal (c.containers, 0);
  assert_int_equal (c.images, 0);
  store_close (s);
}

static int
collect (const struct store_event *ev, void *ctx)
{
  int *n = ctx;
  (*n)++;
  assert_string_equal (ev->type, "container");
  return 0;
}

static void
test_events (void **state)
{
  (void) state;
  struct cd_store *s;
  struct cd_err err = { 0 };
  assert_int_equal (store_open (dir, &s, &err), 0);
  for (int i = 0; i < 10; i++)
    {
      struct store_event ev = { .time_nano = 1000 + i, .type = "container", .action = "start",
                                .actor_id = "abc", .attributes_json = "{}" };
      assert_int_equal (store_event_add (s, &ev, 100, &err), 0);
    }
  int n = 0;
  assert_int_equal (store_event_each (s, 1005, -1, collect, &n, &err), 0);
  assert_int_equal (n, 5);
  n = 0;
  assert_int_equal (store_event_each (s, 0, 1002, collect, &n, &err), 0);
  assert_int_equal (n, 3);
  store_close (s);
}

static void
test_corrupt_file_refused (void **state)
{
  (void) state;
  char bad[256];
  snprintf (bad, sizeof bad, "%s/bad", dir);
  mkdir (bad, 0700);
  char db[300];
  snprintf (db, sizeof db, "%s/cdaemon.db", bad);
  FILE *f = fopen (db, "w");
  for (int i = 0; i < 512; i++)
    fputs ("this is not a database ", f);
  fclose (f);
  struct cd_store *s = NULL;
  struct cd_err err = { 0 };
  assert_true (store_open (bad, &s, &err) < 0);
  assert_null (s);
  assert_non_null (strstr (err.msg, db));
}

static void
test_containers (void **state)
{
  (void) state;
  struct cd_store *s;
  struct cd_err err = { 0 };
  assert_int_equal (store_open (dir, &s, &err), 0);
  struct store_container c = { .name = "web", .image_id = "sha256:x", .image_ref = "busybox",
                               .state = "created", .config = "{}", .host_config = "{}",
                               .state_json = "{}", .created = 1 };
  snprintf (c.id, sizeof c.id, "%s", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  assert_int_equal (store_container_add (s, &c, &err), 0);
  struct store_container c2 = c;
  snprintf (c2.id, sizeof c2.id, "%s", "abc9990123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  assert_int_equal (store_container_add (s, &c2, &err), -EEXIST);
  assert_non_null (strstr (err.msg, "The container name \"/web\" is already in use by container \"abcdef"));
  c2.name = "db";
  c2.created = 2;
  assert_int_equal (store_container_add (s, &c2, &err), 0);
  struct store_container got;
  assert_int_equal (store_container_find (s, "/web", &got, &err), 0);
  assert_string_equal (got.id, c.id);
  store_container_clear (&got);
  assert_int_equal (store_container_find (s, "abcd", &got, &err), 0);
  assert_string_equal (got.name, "web");
  store_container_clear (&got);
  assert_int_equal (store_container_find (s, "abc", &got, &err), -EINVAL);
  assert_int_equal (store_container_find (s, "nosuch", &got, &err), -ENOENT);
  assert_string_equal (err.msg, "No such container: nosuch");
  assert_int_equal (store_container_rename (s, c.id, "db", &err), -EEXIST);
  assert_int_equal (store_container_set_state (s, c.id, "exited", "{\"ExitCode\":3}", 1, &err), 0);
  assert_int_equal (store_container_find (s, "web", &got, &err), 0);
  assert_string_equal (got.state, "exited");
  assert_int_equal (got.restart_count, 1);
  store_container_clear (&got);
  struct store_counts cnt;
  assert_int_equal (store_counts (s, &cnt, &err), 0);
  assert_int_equal (cnt.containers, 2);
  assert_int_equal (cnt.stopped, 2);
  assert_int_equal (store_container_delete (s, c.id, &err), 0);
  assert_int_equal (store_container_find (s, "web", &got, &err), -ENOENT);
  store_close (s);
}

static int
setup (void **state)
{
  (void) state;
  return mkdtemp (dir) ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  struct cd_err err;
  return cd_rm_rf (dir, &err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_open_migrate_reopen),
    cmocka_unit_test (test_events),
    cmocka_unit_test (test_corrupt_file_refused),
    cmocka_unit_test (test_containers),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
