/* cdmon's pure logic: JSON escaping and time stamps as Docker's json-file
 * writer produces them, 16 KiB line splitting with partial entries, rotation
 * naming and order, control requests, the exit record. */
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

#include "monitor/ctl.h"
#include "monitor/exitfile.h"
#include "monitor/jsonfmt.h"
#include "monitor/log.h"

static char *
esc (const char *s, size_t len)
{
  static char out[4096];
  size_t n = mon_json_escape (out, s, len);
  assert_true (n <= MON_JSON_ESCAPE_MAX (len));
  out[n] = '\0';
  return out;
}

#define ESC(lit) esc (lit, sizeof lit - 1)

static void
test_escape_ascii (void **state)
{
  (void) state;
  assert_string_equal (ESC ("hello world ~!@#$%^*()_+{}|:?"), "hello world ~!@#$%^*()_+{}|:?");
  assert_string_equal (ESC ("\"\\/"), "\\\"\\\\/");
  assert_string_equal (ESC ("a\nb\rc"), "a\\nb\\rc");
  /* HTML-safe: < > & as \u00XX, like encoding/json's default. */
  assert_string_equal (ESC ("<a href='x'>&amp;</a>"),
                       "\\u003ca href='x'\\u003e\\u0026amp;\\u003c/a\\u003e");
  /* Other control bytes as \u00XX; Docker's jsonlog writes tab this way
   * too (it has no short form for \t); DEL is printable for JSON. */
  assert_string_equal (ESC ("\t\b\f\x01\x1f\x7f"), "\\u0009\\u0008\\u000c\\u0001\\u001f\x7f");
  assert_string_equal (esc ("a\0b", 3), "a\\u0000b");
  assert_string_equal (ESC (""), "");
}

static void
test_escape_utf8 (void **state)
{
  (void) state;
  /* Valid UTF-8 is copied: 2, 3 and 4 bytes. */
  assert_string_equal (ESC ("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  /* U+2028 and U+2029 are escaped (JavaScript line terminators). */
  assert_string_equal (ESC ("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "a\\u2028b\\u2029");
  /* Each byte of an invalid sequence becomes U+FFFD, as Go decodes it. */
  assert_string_equal (ESC ("\xff"), "\\ufffd");
  assert_string_equal (ESC ("a\x80z"), "a\\ufffdz");
  assert_string_equal (ESC ("\xc0\x80"), "\\ufffd\\ufffd");             /* overlong NUL */
  assert_string_equal (ESC ("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");   /* overlong */
  assert_string_equal (ESC ("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");   /* surrogate */
  assert_string_equal (ESC ("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
  assert_string_equal (ESC ("\xe2\x82"), "\\ufffd\\ufffd");              /* cut short */
  assert_string_equal (ESC ("\xf0\x9f\x98"), "\\ufffd\\ufffd\\ufffd");
  assert_string_equal (ESC ("\xc3" "A"), "\\ufffdA");
  /* Highest valid code points of each length stay. */
  assert_string_equal (ESC ("\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf"), "\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf");
}

static void
test_escape_worst_case (void **state)
{
  (void) state;
  char in[256];
  for (int i = 0; i < 256; i++)
    in[i] = (char) (i < 128 ? i % 32 : 0xff);
  char out[MON_JSON_ESCAPE_MAX (256)];
  /* Six bytes each, but for the four \n and four \r (two bytes each). */
  assert_int_equal (mon_json_escape (out, in, sizeof in), MON_JSON_ESCAPE_MAX (256) - 8 * 4);
}

static const char *
fmt (long long sec, long nsec, bool fixed)
{
  static char out[MON_TIME_MAX];
  struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
  size_t n = mon_fmt_time (out, &ts, fixed);
  assert_int_equal (n, strlen (out));
  return out;
}

static void
test_time_rfc3339nano (void **state)
{
  (void) state;
  assert_string_equal (fmt (0, 0, false), "1970-01-01T00:00:00Z");
  assert_string_equal (fmt (0, 0, true), "1970-01-01T00:00:00.000000000Z");
  assert_string_equal (fmt (1700000000, 500000000, false), "2023-11-14T22:13:20.5Z");
  assert_string_equal (fmt (1700000000, 123456789, false), "2023-11-14T22:13:20.123456789Z");
  assert_string_equal (fmt (1700000000, 120, false), "2023-11-14T22:13:20.00000012Z");
  assert_string_equal (fmt (1700000000, 120, true), "2023-11-14T22:13:20.000000120Z");
  assert_string_equal (fmt (1709164800, 1, false), "2024-02-29T00:00:00.000000001Z");
  assert_string_equal (fmt (951868799, 0, false), "2000-02-29T23:59:59Z");
  assert_string_equal (fmt (4102444800LL, 0, false), "2100-01-01T00:00:00Z");
  assert_string_equal (fmt (253402300799LL, 999999999, false), "9999-12-31T23:59:59.999999999Z");
  assert_string_equal (fmt (-1, 0, false), "1969-12-31T23:59:59Z");
}

static void
test_entry_format (void **state)
{
  (void) state;
  char out[MON_LOG_ENTRY_MAX (64)];
  struct timespec ts = { 1700000000, 123456789 };
  size_t n = mon_log_format_entry (out, "stdout", "hi", 2, true, &ts);
  out[n] = '\0';
  assert_string_equal (out, "{\"log\":\"hi\\n\",\"stream\":\"stdout\","
                            "\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n");
  n = mon_log_format_entry (out, "stderr", "<x>", 3, false, &ts);
  out[n] = '\0';
  assert_string_equal (out, "{\"log\":\"\\u003cx\\u003e\",\"stream\":\"stderr\","
                            "\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n");
  /* An empty entry has no "log" key at all (omitempty). */
  n = mon_log_format_entry (out, "stdout", "", 0, false, &ts);
  out[n] = '\0';
  assert_string_equal (out, "{\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n");
}

/* ---- splitting ---- */

struct entry
{
  size_t len;
  bool newline;
  struct timespec ts;
  char first, last;
};

struct collected
{
  struct entry e[16];
  int n;
};

static void
collect (void *ctx, const char *line, size_t len, bool newline, const struct timespec *ts)
{
  struct collected *c = ctx;
  assert_true (c->n < 16);
  c->e[c->n++] = (struct entry) { len, newline, *ts, len ? line[0] : 0, len ? line[len - 1] : 0 };
}

static void
feed (struct mon_splitter *s, const char *data, size_t len, long t, struct collected *c)
{
  struct timespec now = { t, 0 };
  while (len > 0)
    {
      size_t room;
      char *p = mon_split_space (s, &room);
      assert_true (room > 0);
      size_t n = len < room ? len : room;
      memcpy (p, data, n);
      mon_split_commit (s, n, &now, collect, c);
      data += n;
      len -= n;
    }
}

static void
test_split_lines (void **state)
{
  (void) state;
  struct mon_splitter *s = malloc (sizeof *s);
  struct collected c = { 0 };
  mon_split_init (s);
  feed (s, "one\n\ntwo\nthr", 12, 1, &c);
  assert_int_equal (c.n, 3);
  assert_int_equal (c.e[0].len, 3);
  assert_true (c.e[0].newline);
  assert_int_equal (c.e[1].len, 0);      /* an empty line is "\n" */
  assert_true (c.e[1].newline);
  assert_int_equal (c.e[2].len, 3);
  feed (s, "ee\n", 3, 2, &c);
  assert_int_equal (c.n, 4);
  assert_int_equal (c.e[3].len, 5);
  assert_int_equal (c.e[3].ts.tv_sec, 2);
  /* What is left at EOF is a partial entry, without "\n". */
  feed (s, "tail", 4, 3, &c);
  struct timespec now = { 4, 0 };
  mon_split_eof (s, &now, collect, &c);
  assert_int_equal (c.n, 5);
  assert_int_equal (c.e[4].len, 4);
  assert_false (c.e[4].newline);
  mon_split_eof (s, &now, collect, &c);
  assert_int_equal (c.n, 5);
  free (s);
}

static void
test_split_16k (void **state)
{
  (void) state;
  struct mon_splitter *s = malloc (sizeof *s);
  struct collected c = { 0 };
  char *big = malloc (40000);
  memset (big, 'a', 40000);
  mon_split_init (s);
  /* 16383 bytes and a newline fit: one entry. */
  big[16383] = '\n';
  feed (s, big, 16384, 1, &c);
  assert_int_equal (c.n, 1);
  assert_int_equal (c.e[0].len, 16383);
  assert_true (c.e[0].newline);
  /* 40000 bytes then a newline: 16384 + 16384 partial, then the rest with
   * "\n"; every piece carries the time of the first. */
  memset (big, 'b', 40000);
  big[39999] = '\n';
  feed (s, big, 20000, 5, &c);
  feed (s, big + 20000, 20000, 6, &c);
  assert_int_equal (c.n, 4);
  assert_int_equal (c.e[1].len, MON_LOG_LINE_MAX);
  assert_false (c.e[1].newline);
  assert_int_equal (c.e[2].len, MON_LOG_LINE_MAX);
  assert_false (c.e[2].newline);
  assert_int_equal (c.e[3].len, 39999 - 2 * MON_LOG_LINE_MAX);
  assert_true (c.e[3].newline);
  assert_int_equal (c.e[1].ts.tv_sec, 5);
  assert_int_equal (c.e[2].ts.tv_sec, 5);
  assert_int_equal (c.e[3].ts.tv_sec, 5);
  /* The next line has its own time again. */
  feed (s, "x\n", 2, 7, &c);
  assert_int_equal (c.e[4].ts.tv_sec, 7);
  /* Exactly 16 KiB without a newline is one partial entry right away. */
  memset (big, 'c', MON_LOG_LINE_MAX);
  feed (s, big, MON_LOG_LINE_MAX, 8, &c);
  assert_int_equal (c.n, 6);
  assert_false (c.e[5].newline);
  feed (s, "\n", 1, 9, &c);
  assert_int_equal (c.n, 7);
  assert_int_equal (c.e[6].len, 0);
  assert_true (c.e[6].newline);
  assert_int_equal (c.e[6].ts.tv_sec, 8);
  free (big);
  free (s);
}

/* ---- rotation ---- */

static char dir[] = "/tmp/cd-monlog-test.XXXXXX";

static void
touch (const char *name, const char *text)
{
  char p[256];
  snprintf (p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen (p, "w");
  assert_non_null (f);
  fputs (text, f);
  fclose (f);
}

static const char *
content (const char *name)
{
  static char buf[256];
  char p[256];
  snprintf (p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen (p, "r");
  if (f == NULL)
    return NULL;
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

static void
test_rotated_names (void **state)
{
  (void) state;
  char out[64];
  assert_int_equal (mon_log_rotated_name (out, sizeof out, "/x/id-json.log", 1), 16);
  assert_string_equal (out, "/x/id-json.log.1");
  mon_log_rotated_name (out, sizeof out, "/x/id-json.log", 12);
  assert_string_equal (out, "/x/id-json.log.12");
  assert_int_equal (mon_log_rotated_name (out, 8, "/x/id-json.log", 1), 0);
}

static void
test_rotate_files (void **state)
{
  (void) state;
  char path[256];
  struct cd_err err;
  snprintf (path, sizeof path, "%s/c-json.log", dir);
  touch ("c-json.log", "cur");
  touch ("c-json.log.1", "one");
  touch ("c-json.log.2", "two");
  assert_int_equal (mon_log_rotate_files (path, 3, &err), 0);
  assert_null (content ("c-json.log"));
  assert_string_equal (content ("c-json.log.1"), "cur");
  assert_string_equal (content ("c-json.log.2"), "one");
  assert_null (content ("c-json.log.3"));
  /* Missing older files are fine. */
  touch ("c-json.log", "new");
  char p2[300];
  snprintf (p2, sizeof p2, "%s.2", path);
  unlink (p2);
  assert_int_equal (mon_log_rotate_files (path, 3, &err), 0);
  assert_string_equal (content ("c-json.log.1"), "new");
  assert_string_equal (content ("c-json.log.2"), "cur");
  /* max-file 1: the file is simply started again. */
  touch ("c-json.log", "x");
  assert_int_equal (mon_log_rotate_files (path, 1, &err), 0);
  assert_null (content ("c-json.log"));
  assert_string_equal (content ("c-json.log.1"), "new");
}

static int
count_files (const char *prefix)
{
  int n = 0;
  char p[300];
  struct stat st;
  snprintf (p, sizeof p, "%s/%s", dir, prefix);
  if (stat (p, &st) == 0)
    n++;
  for (int i = 1; i < 10; i++)
    {
      snprintf (p, sizeof p, "%s/%s.%d", dir, prefix, i);
      if (stat (p, &st) == 0)
        n++;
    }
  return n;
}

static void
test_writer_rotates (void **state)
{
  (void) state;
  char path[256];
  struct cd_err err;
  struct mon_log l;
  snprintf (path, sizeof path, "%s/w-json.log", dir);
  int fd = mon_log_open_file (path, &err);
  assert_true (fd >= 0);
  assert_int_equal (mon_log_init (&l, fd, path, 1024, 3, &err), 0);
  struct timespec ts = { 1700000000, 1 };
  for (int i = 0; i < 100; i++)
    mon_log_entry (&l, "stdout", "some line of text", 17, true, &ts);
  mon_log_close (&l);
  assert_int_equal (count_files ("w-json.log"), 3);
  /* Docker rotates before a write once the file has reached max-size: a
   * rotated file holds max-size plus at most one entry. */
  char p1[300];
  struct stat st;
  snprintf (p1, sizeof p1, "%s.1", path);
  assert_int_equal (stat (p1, &st), 0);
  size_t entry = strlen ("{\"log\":\"some line of text\\n\",\"stream\":\"stdout\","
                         "\"time\":\"2023-11-14T22:13:20.000000001Z\"}\n");
  assert_true (st.st_size >= 1024 && (size_t) st.st_size < 1024 + entry);
  assert_int_equal (st.st_size % (off_t) entry, 0);
}

/* ---- control requests and the exit record ---- */

static void
test_requests (void **state)
{
  (void) state;
  struct mon_req r;
  struct cd_err err;
#define PARSE(s) mon_req_parse (s, strlen (s), &r, &err)
  assert_int_equal (PARSE ("{\"cmd\":\"kill\",\"signal\":15}"), 0);
  assert_string_equal (r.cmd, "kill");
  assert_true (r.has_signal);
  assert_int_equal (r.signal, 15);
  assert_int_equal (PARSE (" { \"cmd\" : \"resize\" , \"h\":24,\"w\":80, \"x\":[] } "), -EINVAL);
  assert_int_equal (PARSE ("{\"w\":80,\"cmd\":\"resize\",\"h\":24,\"note\":\"a\\\"b\\u00e9\",\"z\":null}"), 0);
  assert_int_equal (r.h, 24);
  assert_int_equal (r.w, 80);
  assert_int_equal (PARSE ("{\"cmd\":\"st\\u0061te\"}"), 0);
  assert_string_equal (r.cmd, "state");
  assert_int_equal (PARSE ("{\"cmd\":\"kill\",\"signal\":\"TERM\"}"), -EINVAL);
  assert_non_null (strstr (err.msg, "signal"));
  assert_int_equal (PARSE ("{\"cmd\":\"kill\",\"signal\":1.5}"), -EINVAL);
  assert_int_equal (PARSE ("{\"signal\":9}"), -EINVAL);
  assert_int_equal (PARSE ("{\"cmd\":\"state\"} x"), -EINVAL);
  assert_int_equal (PARSE ("{\"cmd\":\"state\""), -EINVAL);
  assert_int_equal (PARSE ("[\"state\"]"), -EINVAL);
  assert_int_equal (PARSE ("{\"cmd\":\"a\nb\"}"), -EINVAL);
  assert_int_equal (PARSE ("{\"cmd\":\"state\",\"signal\":-99999999999999999999}"), -EINVAL);
  assert_int_equal (PARSE (""), -EINVAL);
#undef PARSE
}

static void
test_exit_record (void **state)
{
  (void) state;
  struct mon_exit e = { 0 };
  snprintf (e.started_at, sizeof e.started_at, "2026-11-23T10:00:00.123456789Z");
  snprintf (e.finished_at, sizeof e.finished_at, "2026-11-23T10:00:05.5Z");
  mon_exit_from_status (&e, 3 << 8);
  assert_int_equal (e.exit_code, 3);
  assert_int_equal (e.signal, 0);
  mon_exit_from_status (&e, 9);
  assert_int_equal (e.exit_code, 137);
  assert_int_equal (e.signal, 9);
  e.oom_killed = true;
  char out[512];
  assert_true (mon_exit_format (out, sizeof out, &e, false) > 0);
  assert_string_equal (out, "{\"exit_code\":137,\"signal\":9,\"oom_killed\":true,"
                            "\"started_at\":\"2026-11-23T10:00:00.123456789Z\","
                            "\"finished_at\":\"2026-11-23T10:00:05.5Z\"}");
  assert_true (mon_exit_format (out, sizeof out, &e, true) > 0);
  assert_true (strncmp (out, "{\"event\":\"exit\",\"exit_code\":137,", 32) == 0);
  assert_int_equal (mon_exit_format (out, 20, &e, false), 0);
}

static void
test_oom_counter (void **state)
{
  (void) state;
  char p[300];
  snprintf (p, sizeof p, "%s/memory.oom_control", dir);
  touch ("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  assert_int_equal (mon_oom_count (p), 2);
  snprintf (p, sizeof p, "%s/memory.events", dir);
  touch ("memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n");
  assert_int_equal (mon_oom_count (p), 1);
  touch ("memory.events", "low 0\n");
  assert_int_equal (mon_oom_count (p), -1);
  assert_int_equal (mon_oom_count ("/nonexistent/memory.events"), -1);
  assert_int_equal (mon_oom_count (NULL), -1);
}

static int
setup_dir (void **state)
{
  (void) state;
  return mkdtemp (dir) ? 0 : -1;
}

static int
remove_dir (void **state)
{
  (void) state;
  struct cd_err err;
  return cd_rm_rf (dir, &err) == 0 ? 0 : -1;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_escape_ascii),
    cmocka_unit_test (test_escape_utf8),
    cmocka_unit_test (test_escape_worst_case),
    cmocka_unit_test (test_time_rfc3339nano),
    cmocka_unit_test (test_entry_format),
    cmocka_unit_test (test_split_lines),
    cmocka_unit_test (test_split_16k),
    cmocka_unit_test (test_rotated_names),
    cmocka_unit_test (test_rotate_files),
    cmocka_unit_test (test_writer_rotates),
    cmocka_unit_test (test_requests),
    cmocka_unit_test (test_exit_record),
    cmocka_unit_test (test_oom_counter),
  };
  return cmocka_run_group_tests (tests, setup_dir, remove_dir);
}
