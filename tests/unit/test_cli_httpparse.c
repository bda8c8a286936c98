/* cdctl's HTTP/1.1 answer parser: framing, 1xx, and hostile answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/httpparse.h"

struct got
{
  char body[4096];
  size_t len;
  int heads;   /* on_head calls */
  int stop_at; /* stop when the body reaches this many bytes; 0: never */
};

static int
on_body (const char *data, size_t len, void *userdata)
{
  struct got *g = userdata;
  assert_true (g->len + len < sizeof g->body);
  memcpy (g->body + g->len, data, len);
  g->len += len;
  g->body[g->len] = '\0';
  return g->stop_at && g->len >= (size_t) g->stop_at ? 1 : 0;
}

static int
on_head (void *userdata)
{
  struct got *g = userdata;
  g->heads++;
  assert_int_equal (g->len, 0);
  return 0;
}

static struct cli_hp *
new_parser (struct got *g, int head_request)
{
  struct cli_hp *p = calloc (1, sizeof *p);
  assert_non_null (p);
  memset (g, 0, sizeof *g);
  p->head_request = head_request;
  p->on_head = on_head;
  p->on_body = on_body;
  p->userdata = g;
  cli_hp_init (p);
  return p;
}

/* Parses msg fed in pieces of step bytes, then the end of the connection.
 * Returns the first error (feed or eof) or 0; err holds its message. */
static int
parse (const char *msg, size_t len, size_t step, int head_request, struct got *g,
       struct cli_hp **out, struct cd_err *err)
{
  struct cli_hp *p = new_parser (g, head_request);
  int r = 0;
  for (size_t i = 0; i < len && r == 0; i += step)
    r = cli_hp_feed (p, msg + i, len - i < step ? len - i : step, err);
  if (r == 0)
    r = cli_hp_eof (p, err);
  if (out)
    *out = p;
  else
    free (p);
  return r;
}

/* msg parses to status and body for every way of feeding it. */
static void
expect_ok (const char *msg, int status, const char *body)
{
  size_t len = strlen (msg);
  for (size_t step = 1; step <= len; step++)
    {
      struct got g;
      struct cli_hp *p;
      struct cd_err err = { 0 };
      int r = parse (msg, len, step, 0, &g, &p, &err);
      if (r != 0)
        fail_msg ("step %zu: %s", step, err.msg);
      assert_int_equal (p->status, status);
      assert_true (p->done);
      assert_int_equal (g.heads, 1);
      assert_string_equal (g.body, body);
      assert_int_equal (p->body_bytes, strlen (body));
      free (p);
    }
}

/* msg fails, fed at once and byte by byte, with a message containing what. */
static void
expect_fail (const char *msg, size_t len, const char *what)
{
  size_t steps[] = { 1, len > 1 ? len : 1 };
  for (size_t s = 0; s < 2; s++)
    {
      size_t step = steps[s];
      struct got g;
      struct cd_err err = { 0 };
      int r = parse (msg, len, step, 0, &g, NULL, &err);
      assert_int_equal (r, -EPROTO);
      if (strstr (err.msg, what) == NULL)
        fail_msg ("\"%s\" lacks \"%s\"", err.msg, what);
    }
}
#define FAIL(msg, what) expect_fail (msg, strlen (msg), what)

static void
test_content_length (void **state)
{
  (void) state;
  expect_ok ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"
             "{\"a\":1}",
             200, "{\"a\":1}");
  expect_ok ("HTTP/1.1 404 Not Found\r\ncontent-length:   3  \r\n\r\nabc", 404, "abc");
  /* bare LF line ends, and no reason phrase */
  expect_ok ("HTTP/1.0 200\nContent-Length: 2\n\nhi", 200, "hi");
  /* the same length twice is fine */
  expect_ok ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", 200, "hi");
  /* bytes after the answer are ignored */
  expect_ok ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 500 x\r\n", 200, "hi");

  struct got g;
  struct cli_hp *p;
  struct cd_err err = { 0 };
  const char *m = "HTTP/1.1 201 Created\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Length: 0\r\n\r\n";
  assert_int_equal (parse (m, strlen (m), strlen (m), 0, &g, &p, &err), 0);
  assert_int_equal (p->status, 201);
  assert_string_equal (p->content_type, "text/plain; charset=utf-8");
  assert_int_equal (p->content_length, 0);
  free (p);
}

static void
test_chunked (void **state)
{
  (void) state;
  expect_ok ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n1;ext=1\r\n \r\nA  \r\n0123456789\r\n0\r\n\r\n",
             200, "hello 0123456789");
  /* trailers, upper-case hex, leading zeros, chunked overriding a length */
  expect_ok ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: Chunked\r\n\r\n"
             "0000B\r\nabcdefghijk\r\n0\r\nX-Trailer: 1\r\n\r\n",
             200, "abcdefghijk");
  expect_ok ("HTTP/1.1 500 Oops\nTransfer-Encoding: chunked\n\n3\nerr\n0\n\n", 500, "err");
}

static void
test_no_body (void **state)
{
  (void) state;
  /* 204 and 304 never have a body, whatever the headers say */
  expect_ok ("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", 204, "");
  expect_ok ("HTTP/1.1 304 Not Modified\r\n\r\n", 304, "");

  struct got g;
  struct cli_hp *p;
  struct cd_err err = { 0 };
  const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  assert_int_equal (parse (m, strlen (m), 1, 1, &g, &p, &err), 0); /* HEAD */
  assert_true (p->done);
  assert_int_equal (p->content_length, 10);
  assert_int_equal (g.len, 0);
  free (p);
}

static void
test_until_close (void **state)
{
  (void) state;
  expect_ok ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"stream\":1}\n", 200,
             "{\"stream\":1}\n");
  /* a switched protocol runs until the connection ends, even with a length */
  expect_ok ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: tcp\r\nContent-Length: 1\r\n\r\n"
             "raw bytes",
             101, "raw bytes");
}

static void
test_interim (void **state)
{
  (void) state;
  expect_ok ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
             200, "ok");

  /* endless 1xx answers hit the header limit */
  size_t n = CLI_HP_MAX_HEAD + 100;
  char *m = malloc (n + 1);
  assert_non_null (m);
  const char *one = "HTTP/1.1 100 Continue\r\n\r\n";
  size_t ol = strlen (one), i = 0;
  for (; i + ol <= n; i += ol)
    memcpy (m + i, one, ol);
  expect_fail (m, i, "bytes of headers");
  free (m);
}

static void
test_bad_status (void **state)
{
  (void) state;
  FAIL ("HTTP/2 200 OK\r\n\r\n", "malformed status line");
  FAIL ("HTTP/1.1 20 OK\r\n\r\n", "malformed status line");
  FAIL ("HTTP/1.1 200OK\r\n\r\n", "malformed status line");
  FAIL ("HTTP/1.1 600 Nope\r\n\r\n", "malformed status line");
  FAIL ("HTTP/1.1 099 Nope\r\n\r\n", "malformed status line");
  FAIL ("SSH-2.0-OpenSSH\r\n", "malformed status line");
  FAIL ("\r\nHTTP/1.1 200 OK\r\n\r\n", "malformed status line");
  /* what is quoted back is cut short and made printable */
  struct got g;
  struct cd_err err = { 0 };
  const char *m = "\033]0;evil\007 and a very long line of junk after the escape\r\n";
  assert_int_equal (parse (m, strlen (m), strlen (m), 0, &g, NULL, &err), -EPROTO);
  assert_null (strchr (err.msg, '\033'));
  assert_non_null (strstr (err.msg, "?]0;evil? and"));
  assert_non_null (strstr (err.msg, "...\""));
}

static void
test_bad_headers (void **state)
{
  (void) state;
  FAIL ("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed header");
  FAIL ("HTTP/1.1 200 OK\r\nSpace : before\r\n\r\n", "malformed header");
  FAIL ("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "malformed header");
  FAIL ("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", "folded header");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "bad Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "bad Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", "bad Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "two different Content-Length");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "unsupported Transfer-Encoding");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "unsupported Transfer-Encoding");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", "unsupported Transfer-Encoding");
}

static void
test_header_overflow (void **state)
{
  (void) state;
  /* one line longer than the limit, with or without its end */
  size_t n = CLI_HP_MAX_LINE + 64;
  char *m = malloc (n + 64);
  assert_non_null (m);
  int k = sprintf (m, "HTTP/1.1 200 OK\r\nX-Big: ");
  memset (m + k, 'a', n - (size_t) k);
  expect_fail (m, n, "a line longer than");
  memcpy (m + n, "\r\n\r\n", 4);
  expect_fail (m, n + 4, "a line longer than");
  free (m);

  /* many short headers past the total limit */
  n = CLI_HP_MAX_HEAD + 1000;
  m = malloc (n);
  assert_non_null (m);
  size_t i = (size_t) sprintf (m, "HTTP/1.1 200 OK\r\n");
  while (i + 16 <= n)
    i += (size_t) sprintf (m + i, "X-Many: 1234\r\n");
  expect_fail (m, i, "bytes of headers");
  free (m);

  /* trailers count as headers too */
  n = CLI_HP_MAX_HEAD + 1000;
  m = malloc (n);
  assert_non_null (m);
  i = (size_t) sprintf (m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
  while (i + 16 <= n)
    i += (size_t) sprintf (m + i, "X-Trail: 123\r\n");
  expect_fail (m, i, "bytes of headers");
  free (m);
}

static void
test_bad_chunks (void **state)
{
  (void) state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
  FAIL (CH "zz\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH "\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH " 2\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH "-2\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH "0x2\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH "2 3\r\nhi\r\n0\r\n\r\n", "bad chunk size");
  FAIL (CH "2\r\nhiX\r\n0\r\n\r\n", "chunk not followed by CRLF");
  /* sizes past 64 bits, with or without leading zeros */
  FAIL (CH "10000000000000000\r\nhi\r\n", "chunk size too large");
  FAIL (CH "fffffffffffffffffffffffffffffffff\r\nhi\r\n", "chunk size too large");
  /* a 64-bit size is read, and the answer ends long before it */
  FAIL (CH "ffffffffffffffff\r\nhi\r\n", "ended before its last chunk");
  FAIL (CH "00000000000000000000000002\r\nhi\r\n0\r\n", "ended before its last chunk");
  /* a chunk-size line without its end, past the line limit */
  size_t n = strlen (CH) + CLI_HP_MAX_LINE + 10;
  char *m = malloc (n);
  assert_non_null (m);
  memcpy (m, CH, strlen (CH));
  memset (m + strlen (CH), '0', n - strlen (CH));
  expect_fail (m, n, "a line longer than");
  free (m);
#undef CH
}

static void
test_truncated (void **state)
{
  (void) state;
  FAIL ("", "closed the connection without answering");
  FAIL ("HTTP/1.1 200", "ended in its headers");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Le", "ended in its headers");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "ended in its headers");
  FAIL ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "ended after 5 of 10 bytes");
  FAIL ("HTTP/1.1 100 Continue\r\n\r\n", "ended in its headers");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "ended before its last chunk");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        "ended before its last chunk");
  FAIL ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "ended before its last chunk");
}

static void
test_stop (void **state)
{
  (void) state;
  struct got g;
  struct cd_err err = { 0 };
  struct cli_hp *p = new_parser (&g, 0);
  g.stop_at = 3;
  const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n"
                  "2\r\nef\r\n0\r\n\r\n";
  assert_int_equal (cli_hp_feed (p, m, strlen (m), &err), 1);
  assert_string_equal (g.body, "abcd");
  free (p);

  /* on_head may stop before any body byte */
  p = new_parser (&g, 0);
  p->on_head = NULL;
  p->on_body = NULL; /* the body is skipped */
  m = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd";
  assert_int_equal (cli_hp_feed (p, m, strlen (m), &err), 0);
  assert_true (p->done);
  assert_int_equal (p->body_bytes, 4);
  free (p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_content_length), cmocka_unit_test (test_chunked),
    cmocka_unit_test (test_no_body),        cmocka_unit_test (test_until_close),
    cmocka_unit_test (test_interim),        cmocka_unit_test (test_bad_status),
    cmocka_unit_test (test_bad_headers),    cmocka_unit_test (test_header_overflow),
    cmocka_unit_test (test_bad_chunks),     cmocka_unit_test (test_truncated),
    cmocka_unit_test (test_stop),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
