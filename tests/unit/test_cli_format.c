/* cdctl's pure helpers: sizes, durations, --since/--until, filters, tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client/filters.h"
#include "client/format.h"
#include "client/timestamp.h"
#include "client/url.h"

#define NOW ((time_t) 1795428000) /* 2026-11-23T10:00:00Z */

static void
use_tz (const char *tz)
{
  setenv ("TZ", tz, 1);
  tzset ();
}

static void
check_size (double size, int prec, const char *want)
{
  char buf[CLI_HUMAN_LEN];
  assert_string_equal (cli_human_size_prec (size, prec, buf, sizeof buf), want);
}

static void
test_human_size (void **state)
{
  (void) state;
  char buf[CLI_HUMAN_LEN];
  check_size (0, 3, "0B");
  check_size (999, 3, "999B");
  check_size (1000, 3, "1kB");
  check_size (1240000, 3, "1.24MB");
  check_size (4261550, 3, "4.26MB");
  check_size (1.24e9, 3, "1.24GB");
  check_size (4261550, 4, "4.262MB");
  check_size (999999, 3, "1e+03kB"); /* Go prints the same */
  check_size (1e27, 3, "1e+03YB");
  assert_string_equal (cli_human_size (1234567, buf, sizeof buf), "1.23MB");
}

static void
test_bytes_size (void **state)
{
  (void) state;
  char buf[CLI_HUMAN_LEN];
  assert_string_equal (cli_bytes_size (25199378432.0, buf, sizeof buf), "23.47GiB");
  assert_string_equal (cli_bytes_size (1024, buf, sizeof buf), "1KiB");
  assert_string_equal (cli_bytes_size (1536, buf, sizeof buf), "1.5KiB");
  assert_string_equal (cli_bytes_size (512, buf, sizeof buf), "512B");
}

static void
check_duration (double seconds, const char *want)
{
  char buf[CLI_HUMAN_LEN];
  assert_string_equal (cli_human_duration (seconds, buf, sizeof buf), want);
}

static void
test_human_duration (void **state)
{
  (void) state;
  check_duration (-5, "Less than a second");
  check_duration (0.5, "Less than a second");
  check_duration (1, "1 second");
  check_duration (3, "3 seconds");
  check_duration (59.9, "59 seconds");
  check_duration (60, "About a minute");
  check_duration (119, "About a minute");
  check_duration (120, "2 minutes");
  check_duration (3599, "59 minutes");
  check_duration (3600, "About an hour");
  check_duration (5399, "About an hour");
  check_duration (5400, "2 hours");
  check_duration (47 * 3600, "47 hours");
  check_duration (48 * 3600, "2 days");
  check_duration (13 * 86400, "13 days");
  check_duration (14 * 86400, "2 weeks");
  check_duration (59 * 86400, "8 weeks");
  check_duration (60 * 86400, "2 months");
  check_duration (729 * 86400, "24 months");
  check_duration (730 * 86400, "2 years");
}

static void
test_go_duration (void **state)
{
  (void) state;
  int64_t ns;
  assert_int_equal (cli_parse_go_duration ("10m", &ns), 0);
  assert_int_equal (ns, 600000000000LL);
  assert_int_equal (cli_parse_go_duration ("1h30m", &ns), 0);
  assert_int_equal (ns, 5400000000000LL);
  assert_int_equal (cli_parse_go_duration ("1.5h", &ns), 0);
  assert_int_equal (ns, 5400000000000LL);
  assert_int_equal (cli_parse_go_duration ("-1.5h", &ns), 0);
  assert_int_equal (ns, -5400000000000LL);
  assert_int_equal (cli_parse_go_duration ("300ms", &ns), 0);
  assert_int_equal (ns, 300000000LL);
  assert_int_equal (cli_parse_go_duration ("2h45m10.5s", &ns), 0);
  assert_int_equal (ns, 9910500000000LL);
  assert_int_equal (cli_parse_go_duration (".5s", &ns), 0);
  assert_int_equal (ns, 500000000LL);
  assert_int_equal (cli_parse_go_duration ("1\xc2\xb5s", &ns), 0);
  assert_int_equal (ns, 1000);
  assert_int_equal (cli_parse_go_duration ("0", &ns), 0);
  assert_int_equal (ns, 0);
  assert_int_equal (cli_parse_go_duration ("", &ns), -EINVAL);
  assert_int_equal (cli_parse_go_duration ("10", &ns), -EINVAL);
  assert_int_equal (cli_parse_go_duration ("1x", &ns), -EINVAL);
  assert_int_equal (cli_parse_go_duration (".s", &ns), -EINVAL);
  assert_int_equal (cli_parse_go_duration ("3000000h", &ns), -ERANGE);
}

static void
check_ts (const char *value, const char *want)
{
  char out[64];
  struct cd_err err = { 0 };
  int r = cli_parse_timestamp (value, NOW, out, sizeof out, &err);
  if (r < 0)
    fail_msg ("%s: %s", value, err.msg);
  assert_string_equal (out, want);
}

static void
check_ts_fails (const char *value, const char *msg_part)
{
  char out[64];
  struct cd_err err = { 0 };
  assert_true (cli_parse_timestamp (value, NOW, out, sizeof out, &err) < 0);
  assert_non_null (strstr (err.msg, msg_part));
}

static void
test_timestamp_utc (void **state)
{
  (void) state;
  use_tz ("UTC");
  check_ts ("10m", "1795427400");
  check_ts ("1h30m", "1795422600");
  check_ts ("-10s", "1795428010");
  check_ts ("2026-11-23", "1795392000");
  check_ts ("2026-11-23T10", "1795428000");
  check_ts ("2026-11-23T10:00", "1795428000");
  check_ts ("2026-11-23T10:00:00", "1795428000");
  check_ts ("2026-11-23T10:00:00Z", "1795428000");
  check_ts ("2026-11-23T10:00:00.5Z", "1795428000.500000000");
  check_ts ("2026-11-23T10:00:00.123456789123Z", "1795428000.123456789");
  check_ts ("2026-11-23T11:00:00+01:00", "1795428000");
  check_ts ("2026-11-23T05:30-04:30", "1795428000");
  check_ts ("2026-11-23Z", "1795392000");
  check_ts ("1700000000", "1700000000");
  check_ts ("1700000000.5", "1700000000.5");
  check_ts ("0", "0");
  check_ts_fails ("abc", "failed to parse value as time or duration");
  check_ts_fails ("2026-13-01", "parsing time");
  check_ts_fails ("2026-02-30", "parsing time");
  check_ts_fails ("2026-11-23T25:00", "parsing time");
  check_ts_fails ("1700000000.", "failed to parse");
}

static void
test_timestamp_local (void **state)
{
  (void) state;
  use_tz ("CET-1"); /* UTC+1, no daylight saving */
  check_ts ("2026-11-23T11:00", "1795428000");
  check_ts ("2026-11-23T10:00:00Z", "1795428000");
  char buf[64];
  assert_string_equal (cli_format_time_nano (1795428000, 123456789, buf, sizeof buf),
                       "2026-11-23T11:00:00.123456789+01:00");
  use_tz ("UTC");
  assert_string_equal (cli_format_time_nano (1795428000, 5, buf, sizeof buf),
                       "2026-11-23T10:00:00.000000005Z");
}

static void
check_filters (const char *const *args, size_t n, const char *want)
{
  char *json = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (cli_filters_json (args, n, &json, &err), 0);
  if (want == NULL)
    assert_null (json);
  else
    assert_string_equal (json, want);
  free (json);
}

static void
test_filters (void **state)
{
  (void) state;
  const char *two[] = { "type=container", "event=start" };
  check_filters (two, 2, "{\"event\":{\"start\":true},\"type\":{\"container\":true}}");
  const char *norm[] = { " Event = start ", "event=create", "event=start", "label=a=b" };
  check_filters (norm, 4, "{\"event\":{\"create\":true,\"start\":true},\"label\":{\"a=b\":true}}");
  const char *empty[] = { "" };
  check_filters (empty, 1, NULL);
  check_filters (NULL, 0, NULL);

  const char *bad[] = { "type=container", "nonsense" };
  char *json = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (cli_filters_json (bad, 2, &json, &err), -EINVAL);
  assert_string_equal (err.msg, "bad format of filter (expected name=value)");
  assert_null (json);

  struct cli_query q = { 0 };
  assert_int_equal (cli_query_add_filters (&q, two, 1, &err), 0);
  char *path = cli_query_finish (&q, "/events");
  assert_string_equal (path, "/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D");
  free (path);
}

static void
test_query (void **state)
{
  (void) state;
  struct cli_query q = { 0 };
  cli_query_add (&q, "since", "1700000000.5");
  cli_query_add (&q, "skipped", NULL);
  cli_query_add_bool (&q, "all", 1);
  cli_query_add_bool (&q, "size", 0);
  cli_query_add_int (&q, "limit", -1);
  cli_query_add (&q, "name", "a b/c~d");
  char *path = cli_query_finish (&q, "/containers/json");
  assert_string_equal (path, "/containers/json?since=1700000000.5&all=1&limit=-1&name=a%20b%2Fc~d");
  free (path);
  path = cli_query_finish (&q, "/info");
  assert_string_equal (path, "/info");
  free (path);
}

static char *
print_table (struct cli_table *t)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  cli_table_print (t, f);
  fclose (f);
  return buf;
}

static void
test_table (void **state)
{
  (void) state;
  struct cli_table *t = cli_table_new (3);
  assert_int_equal (cli_table_add (t, "CONTAINER ID", "IMAGE", "NAMES"), 0);
  assert_int_equal (cli_table_add (t, "3f4e5d6a7b8c", "busybox:latest", "foo"), 0);
  assert_int_equal (cli_table_add (t, "ab", NULL, "b\xc3\xa4r"), 0);
  char *out = print_table (t);
  assert_string_equal (out, "CONTAINER ID   IMAGE            NAMES\n"
                            "3f4e5d6a7b8c   busybox:latest   foo\n"
                            "ab                              b\xc3\xa4r\n");
  free (out);
  cli_table_free (t);

  t = cli_table_new (2);
  cli_table_add (t, "ID", "X");
  cli_table_add (t, "\xc3\xa4", "Y");
  out = print_table (t);
  assert_string_equal (out, "ID        X\n\xc3\xa4         Y\n"); /* minwidth 10, runes */
  free (out);
  cli_table_style (t, 20, 1);
  out = print_table (t);
  assert_string_equal (out, "ID                  X\n\xc3\xa4                   Y\n");
  free (out);
  cli_table_free (t);
}

static void
test_format_flag (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  assert_true (cli_format_is_json ("json"));
  assert_true (cli_format_is_json ("{{json .}}"));
  assert_false (cli_format_is_json (NULL));
  assert_false (cli_format_is_json ("table"));
  assert_int_equal (cli_format_check ("", &err), 0);
  assert_true (cli_format_check ("{{.ID}}", &err) < 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_human_size),     cmocka_unit_test (test_bytes_size),
    cmocka_unit_test (test_human_duration), cmocka_unit_test (test_go_duration),
    cmocka_unit_test (test_timestamp_utc),  cmocka_unit_test (test_timestamp_local),
    cmocka_unit_test (test_filters),        cmocka_unit_test (test_query),
    cmocka_unit_test (test_table),          cmocka_unit_test (test_format_flag),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
