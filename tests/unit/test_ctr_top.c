/* docker top's pure parts: dockerd's parsePSOutput and validatePSArgs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ctr_top.h"

static const char *
cell (json_object *o, const char *key, size_t row, size_t col)
{
  json_object *a;
  assert_true (json_object_object_get_ex (o, key, &a));
  if (strcmp (key, "Processes") == 0)
    a = json_object_array_get_idx (a, row);
  return json_object_get_string (json_object_array_get_idx (a, col));
}

static void
test_parse_keeps_container_rows (void **state)
{
  (void) state;
  const char *out = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                    "root           1       0  0 10:00 ?        00:00:01 /sbin/init splash\n"
                    "root         100      90  0 10:01 ?        00:00:00 sh -c sleep  100\n"
                    "root         101     100  0 10:01 ?        00:00:00 sleep 100\n";
  pid_t pids[] = { 100, 101 };
  json_object *o = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (ctr_top_parse (out, pids, 2, &o, &err), 0);
  json_object *titles, *procs;
  json_object_object_get_ex (o, "Titles", &titles);
  json_object_object_get_ex (o, "Processes", &procs);
  assert_int_equal (json_object_array_length (titles), 8);
  assert_string_equal (cell (o, "Titles", 0, 7), "CMD");
  assert_int_equal (json_object_array_length (procs), 2);
  assert_string_equal (cell (o, "Processes", 0, 1), "100");
  /* the last field keeps the overhang, joined with single spaces */
  assert_string_equal (cell (o, "Processes", 0, 7), "sh -c sleep 100");
  assert_int_equal (json_object_array_length (json_object_array_get_idx (procs, 1)), 8);
  json_object_put (o);
}

static void
test_parse_threads_and_errors (void **state)
{
  (void) state;
  /* ps -m: thread rows ("-" as PID) follow the process they belong to */
  const char *out = "  PID TTY          TIME CMD\n"
                    "    7 ?        00:00:00 app\n"
                    "    - -        00:00:00 -\n"
                    "    8 ?        00:00:00 other\n"
                    "    - -        00:00:00 -\n";
  pid_t pids[] = { 7 };
  json_object *o = NULL, *procs;
  struct cd_err err = { 0 };
  assert_int_equal (ctr_top_parse (out, pids, 1, &o, &err), 0);
  json_object_object_get_ex (o, "Processes", &procs);
  assert_int_equal (json_object_array_length (procs), 2);
  assert_string_equal (cell (o, "Processes", 1, 0), "-");
  json_object_put (o);

  assert_int_equal (ctr_top_parse ("USER COMMAND\nroot sh\n", pids, 1, &o, &err), -EIO);
  assert_string_equal (err.msg, "Couldn't find PID field in ps output");
  assert_int_equal (ctr_top_parse ("PID CMD\nabc sh\n", pids, 1, &o, &err), -EIO);
  assert_non_null (strstr (err.msg, "Unexpected pid 'abc'"));
}

static void
test_check_args (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  assert_int_equal (ctr_top_check_args ("-ef", &err), 0);
  assert_int_equal (ctr_top_check_args ("aux", &err), 0);
  assert_int_equal (ctr_top_check_args ("-o pid=PID,comm", &err), 0);
  assert_int_equal (ctr_top_check_args ("-o user=PID", &err), -EIO);
  assert_string_equal (err.msg, "specifying \"user=PID\" is not allowed");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_keeps_container_rows),
    cmocka_unit_test (test_parse_threads_and_errors),
    cmocka_unit_test (test_check_args),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
