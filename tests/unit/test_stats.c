/* The stats parsers (cgroup v1 and v2 text, /proc) and Docker's JSON shape.
 * The v2 fixtures are the examples of the kernel's cgroup-v2 documentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api/filters.h"
#include "daemon/events.h"
#include "daemon/stats.h"

static const char v2_cpu_stat[] = "usage_usec 2116146\n"
                                  "user_usec 1520000\n"
                                  "system_usec 596146\n"
                                  "nr_periods 10\n"
                                  "nr_throttled 3\n"
                                  "throttled_usec 4500\n"
                                  "nr_bursts 0\n"
                                  "burst_usec 0\n";

static const char v2_io_stat[]
    = "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
      "8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n";

static const char v2_memory_stat[] = "anon 1126400\n"
                                     "file 2838528\n"
                                     "kernel_stack 16384\n"
                                     "shmem 0\n"
                                     "inactive_anon 1118208\n"
                                     "active_anon 8192\n"
                                     "inactive_file 1892352\n"
                                     "active_file 946176\n"
                                     "pgfault 1221\n";

static const char v1_blkio[] = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n"
                               "8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n";

static const char netdev[]
    = "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:    1234      10    0    0    0     0          0         0     1234      10    0 "
      "   0    0     0       0          0\n"
      "  eth0: 5000 50 1 2 0 0 0 0 7000 70 3 4 0 0 0 0\n";

static void
test_v2_cpu (void **state)
{
  (void) state;
  uint64_t v = 0;
  assert_int_equal (st_parse_kv (v2_cpu_stat, "usage_usec", &v), 0);
  assert_int_equal (v, 2116146);
  assert_int_equal (st_parse_kv (v2_cpu_stat, "system_usec", &v), 0);
  assert_int_equal (v, 596146);
  assert_int_equal (st_parse_kv (v2_cpu_stat, "throttled_usec", &v), 0);
  assert_int_equal (v, 4500);
  /* a key that is a prefix of another does not match it */
  assert_int_equal (st_parse_kv (v2_cpu_stat, "usage", &v), -ENOENT);
  assert_int_equal (st_parse_u64 ("max\n", &v), 0);
  assert_true (v == UINT64_MAX);
  assert_int_equal (st_parse_u64 ("123\n", &v), 0);
  assert_int_equal (v, 123);
}

static void
test_v2_io (void **state)
{
  (void) state;
  struct st_blk bytes[8], ops[8];
  unsigned nb, no;
  st_parse_io_v2 (v2_io_stat, bytes, &nb, ops, &no, 8);
  assert_int_equal (nb, 4);
  assert_int_equal (no, 4);
  assert_int_equal (bytes[0].major, 8);
  assert_int_equal (bytes[0].minor, 16);
  assert_string_equal (bytes[0].op, "read");
  assert_int_equal (bytes[0].value, 1459200);
  assert_string_equal (bytes[1].op, "write");
  assert_int_equal (bytes[1].value, 314773504);
  assert_int_equal (ops[2].value, 8950);
  assert_int_equal (ops[3].value, 1252);
}

static void
test_v2_memory (void **state)
{
  (void) state;
  json_object *o = st_parse_mem_stat (v2_memory_stat);
  json_object *v;
  assert_true (json_object_object_get_ex (o, "inactive_file", &v));
  assert_int_equal (json_object_get_int64 (v), 1892352);
  assert_int_equal (json_object_object_length (o), 9);
  json_object_put (o);
}

static void
test_v1_and_proc (void **state)
{
  (void) state;
  struct st_blk b[8];
  assert_int_equal (st_parse_blkio_v1 (v1_blkio, b, 8), 6);
  assert_string_equal (b[1].op, "Write");
  assert_int_equal (b[1].value, 8192);
  uint64_t per[4];
  assert_int_equal (st_parse_percpu ("100 200 300 \n", per, 4), 3);
  assert_int_equal (per[2], 300);
  uint64_t sys;
  unsigned ncpu;
  assert_int_equal (st_parse_proc_stat ("cpu  10 1 5 100 2 0 1 0 0 0\ncpu0 5 0 2 50 1 0 0 0 0 0\n"
                                        "cpu1 5 1 3 50 1 0 1 0 0 0\nintr 1\n",
                                        100, &sys, &ncpu),
                    0);
  assert_int_equal (ncpu, 2);
  assert_int_equal (sys, 119ull * 10000000ull); /* the first seven fields */
  struct st_net n[4];
  assert_int_equal (st_parse_netdev (netdev, n, 4), 2);
  assert_string_equal (n[0].name, "lo");
  assert_int_equal (n[0].rx_bytes, 1234);
  assert_string_equal (n[1].name, "eth0");
  assert_int_equal (n[1].rx_dropped, 2);
  assert_int_equal (n[1].tx_bytes, 7000);
  assert_int_equal (n[1].tx_dropped, 4);
}

static void
test_json_shape (void **state)
{
  (void) state;
  struct st_info info = { .id = "abc", .name = "web" };
  struct st_sample cur = { .read_nano = 2000000000, .cpu_total = 500, .system_cpu = 1000,
                           .online_cpus = 2, .mem_usage = 4096, .mem_limit = 8192,
                           .pids_current = 3, .nnet = 1, .has_net = true };
  struct st_sample prev = { .read_nano = 1000000000, .cpu_total = 100, .system_cpu = 500 };
  snprintf (cur.net[0].name, sizeof cur.net[0].name, "lo");
  cur.mem_stat = (char *) v2_memory_stat;
  json_object *o = st_sample_json (&info, &cur, &prev), *v;
  assert_true (json_object_object_get_ex (o, "read", &v));
  assert_string_equal (json_object_get_string (v), "1970-01-01T00:00:02.000000000Z");
  assert_true (json_object_object_get_ex (o, "name", &v));
  assert_string_equal (json_object_get_string (v), "/web");
  const char *s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN);
  assert_non_null (strstr (s, "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":100,"));
  assert_non_null (strstr (s, "\"pids_stats\":{\"current\":3}"));
  assert_non_null (strstr (s, "\"networks\":{\"lo\":{\"rx_bytes\":0,"));
  assert_non_null (strstr (s, "\"inactive_file\":1892352"));
  json_object_put (o);
  o = st_empty_json ("abc", "web");
  s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN);
  assert_non_null (strstr (s, "\"read\":\"0001-01-01T00:00:00Z\""));
  assert_non_null (strstr (s, "\"memory_stats\":{}"));
  assert_null (strstr (s, "networks"));
  json_object_put (o);
}

static void
test_event_actor_filters (void **state)
{
  (void) state;
  static const char *const allowed[] = { "container", "daemon", "volume", "network", "scope",
                                         NULL };
  struct cd_err err = { 0 };
  json_object *attrs = json_tokener_parse ("{\"name\":\"web\"}");
  json_object *f = api_filters_parse ("{\"container\":[\"abc\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "container", "die", "abcdef", attrs)); /* short ID */
  assert_false (ev_filter_match (f, "container", "die", "xyz", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"daemon\":[\"d1\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "daemon", "reload", "d1", NULL));
  assert_false (ev_filter_match (f, "container", "start", "d1", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"volume\":[\"web\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "volume", "create", "x", attrs));
  assert_false (ev_filter_match (f, "container", "create", "x", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"scope\":[\"swarm\"]}", allowed, &err);
  assert_false (ev_filter_match (f, "container", "create", "x", attrs));
  json_object_put (f);
  json_object_put (attrs);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_v2_cpu),
    cmocka_unit_test (test_v2_io),
    cmocka_unit_test (test_v2_memory),
    cmocka_unit_test (test_v1_and_proc),
    cmocka_unit_test (test_json_shape),
    cmocka_unit_test (test_event_actor_filters),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
