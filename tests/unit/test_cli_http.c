/* cdctl's HTTP client (client/http.c) against a scripted server on a real
 * Unix socket: what goes out, and what it makes of good and hostile answers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/cli.h"
#include "client/http.h"

static char dir[64];
static char sock_path[128];
static char req_path[128];
static int listen_fd = -1;
static pid_t server = -1;

enum
{
  READ_ALL, /* read the whole request, then answer */
  EARLY,    /* answer after the request's head and close, body unread */
  HOLD,     /* like READ_ALL, then wait for the client to hang up */
};

static void
write_all (int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w <= 0)
        _exit (3);
      p += w;
      n -= (size_t) w;
    }
}

/* Reads the request as the mode says, keeps it in req_path, answers. */
static void
serve_one (int mode, const char *answer, size_t answer_len)
{
  alarm (20);
  int c = accept (listen_fd, NULL, NULL);
  if (c < 0)
    _exit (2);
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc (cap);
  char *end = NULL;
  while (end == NULL || mode != EARLY)
    {
      if (end)
        {
          const char *cl = strcasestr (buf, "\r\nContent-Length: ");
          size_t hl = (size_t) (end + 4 - buf);
          if (cl && cl < end && len >= hl + strtoull (cl + 18, NULL, 10))
            break;
          if (!cl && !strcasestr (buf, "chunked"))
            break;
          if (!cl && len >= 5 && memcmp (buf + len - 5, "0\r\n\r\n", 5) == 0)
            break;
        }
      if (len + 1 >= cap)
        buf = realloc (buf, cap *= 2);
      ssize_t n = read (c, buf + len, cap - len - 1);
      if (n <= 0)
        _exit (4);
      len += (size_t) n;
      buf[len] = '\0';
      end = strstr (buf, "\r\n\r\n");
    }
  int f = open (req_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  write_all (f, buf, len);
  close (f);
  signal (SIGPIPE, SIG_IGN);
  for (size_t off = 0; off < answer_len;)
    {
      ssize_t w = write (c, answer + off, answer_len - off);
      if (w <= 0)
        _exit (0); /* the client hung up: its business */
      off += (size_t) w;
    }
  if (mode == HOLD)
    while (read (c, buf, cap) > 0)
      ;
  _exit (0);
}

static void
serve (int mode, const char *answer, size_t answer_len)
{
  unlink (req_path);
  server = fork ();
  assert_true (server >= 0);
  if (server == 0)
    serve_one (mode, answer, answer_len);
}
#define SERVE(mode, answer) serve (mode, answer, strlen (answer))

/* Waits for the server; returns the request it got (static buffer). */
static const char *
served (void)
{
  static char req[1 << 16];
  int st;
  assert_int_equal (waitpid (server, &st, 0), server);
  server = -1;
  assert_true (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  int f = open (req_path, O_RDONLY);
  assert_true (f >= 0);
  ssize_t n = read (f, req, sizeof req - 1);
  close (f);
  assert_true (n >= 0);
  req[n] = '\0';
  return req;
}

static int
setup (void **state)
{
  (void) state;
  strcpy (dir, "/tmp/cdhttp.XXXXXX");
  assert_non_null (mkdtemp (dir));
  snprintf (sock_path, sizeof sock_path, "%s/s.sock", dir);
  snprintf (req_path, sizeof req_path, "%s/req", dir);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strcpy (sa.sun_path, sock_path);
  listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (listen_fd >= 0);
  assert_int_equal (bind (listen_fd, (struct sockaddr *) &sa, sizeof sa), 0);
  assert_int_equal (listen (listen_fd, 4), 0);
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  if (server > 0)
    {
      kill (server, SIGKILL);
      waitpid (server, NULL, 0);
    }
  close (listen_fd);
  unlink (sock_path);
  unlink (req_path);
  rmdir (dir);
  return 0;
}

static struct cli_http *
client (void)
{
  struct cli_http *h = NULL;
  struct cd_err err = { 0 };
  char host[160];
  snprintf (host, sizeof host, "unix://%s", sock_path);
  assert_int_equal (cli_http_new (host, 0, &h, &err), 0);
  return h;
}

static void
test_get_json (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  SERVE (READ_ALL, "HTTP/1.1 100 Continue\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
  assert_int_equal (cli_http_get_json (h, "/info?x=1", &resp, &err), 0);
  const char *req = served ();
  assert_non_null (strstr (req, "GET /v" CLI_API_VERSION "/info?x=1 HTTP/1.1\r\n"));
  assert_non_null (strstr (req, "\r\nHost: localhost\r\n"));
  assert_non_null (strstr (req, "\r\nUser-Agent: cdctl/" CDCTL_VERSION "\r\n"));
  assert_null (strcasestr (req, "Content-Length"));
  assert_null (strcasestr (req, "Content-Type"));
  assert_int_equal (resp.status, 200);
  assert_string_equal (resp.body, "{\"a\":1}");
  assert_non_null (resp.json);
  cli_response_free (&resp);

  /* /_ping goes unversioned; a POST without a body says Content-Length: 0 */
  SERVE (READ_ALL, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
  assert_int_equal (cli_http_call (h, "POST", "/_ping", NULL, &resp, &err), 0);
  req = served ();
  assert_non_null (strstr (req, "POST /_ping HTTP/1.1\r\n"));
  assert_non_null (strstr (req, "\r\nContent-Length: 0\r\n"));
  assert_string_equal (resp.body, "OK");
  assert_null (resp.json);
  cli_response_free (&resp);
  cli_http_free (h);
}

static void
test_post_json (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  struct json_object *body = json_tokener_parse ("{\"Image\":\"busybox\"}");
  SERVE (READ_ALL, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                   "Content-Length: 27\r\n\r\n{\"message\":\"no such image\"}");
  assert_int_equal (cli_http_call (h, "POST", "/containers/create", body, &resp, &err), -ENOENT);
  const char *req = served ();
  assert_non_null (strstr (req, "POST /v" CLI_API_VERSION "/containers/create HTTP/1.1\r\n"));
  assert_non_null (strstr (req, "\r\nContent-Type: application/json\r\n"));
  assert_non_null (strstr (req, "\r\nContent-Length: 19\r\n\r\n{\"Image\":\"busybox\"}"));
  assert_int_equal (resp.status, 404);
  assert_string_equal (err.msg, "Error response from daemon: no such image");
  cli_response_free (&resp);
  json_object_put (body);

  /* no request line or header smuggling */
  struct cli_request bad = { .path = "/x HTTP/1.1\r\nX: y" };
  assert_int_equal (cli_http_do (h, &bad, &resp, &err), -EINVAL);
  const char *const hdrs[] = { "X-A: 1\r\nX-B: 2", NULL };
  struct cli_request bad2 = { .path = "/x", .headers = hdrs };
  assert_int_equal (cli_http_do (h, &bad2, &resp, &err), -EINVAL);
  cli_http_free (h);
}

struct seen
{
  char data[256];
  size_t len;
  int stop;
  uint64_t progress_sent;
  int64_t progress_total;
  int progress_calls;
};

static int
on_data (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  (void) err;
  struct seen *s = userdata;
  assert_true (s->len + len < sizeof s->data);
  memcpy (s->data + s->len, data, len);
  s->len += len;
  return s->stop ? CLI_HTTP_STOP : 0;
}

static void
on_progress (uint64_t sent, int64_t total, void *userdata)
{
  struct seen *s = userdata;
  assert_true (sent > s->progress_sent);
  s->progress_sent = sent;
  s->progress_total = total;
  s->progress_calls++;
}

static void
test_upload_pipe (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  struct seen s = { 0 };
  int p[2];
  assert_int_equal (pipe (p), 0);
  assert_int_equal (write (p[1], "hello world", 11), 11);
  close (p[1]);
  SERVE (READ_ALL, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"stream\":\"x\"}\n");
  struct cli_request req = { .method = "POST",
                             .path = "/images/load",
                             .body_from_fd = 1,
                             .body_fd = p[0],
                             .content_type = "application/x-tar",
                             .on_data = on_data,
                             .userdata = &s,
                             .on_progress = on_progress };
  assert_int_equal (cli_http_do (h, &req, &resp, &err), 0);
  close (p[0]);
  const char *got = served ();
  assert_non_null (strstr (got, "\r\nContent-Type: application/x-tar\r\n"));
  assert_non_null (
      strstr (got, "\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n"));
  assert_null (strcasestr (got, "Content-Length"));
  assert_int_equal (resp.status, 200);
  assert_int_equal (resp.len, 0); /* streamed, not kept */
  assert_string_equal (s.data, "{\"stream\":\"x\"}\n");
  assert_int_equal (s.progress_sent, 11);
  assert_int_equal (s.progress_total, -1);
  cli_http_free (h);
}

static void
test_upload_file (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  struct seen s = { 0 };
  FILE *f = tmpfile ();
  assert_non_null (f);
  size_t size = 300 * 1000;
  for (size_t i = 0; i < size; i++)
    fputc ('a' + (int) (i % 26), f);
  fflush (f);
  lseek (fileno (f), 0, SEEK_SET);
  SERVE (READ_ALL, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  struct cli_request req = { .method = "POST",
                             .path = "/images/load",
                             .body_from_fd = 1,
                             .body_fd = fileno (f),
                             .content_type = "application/x-tar",
                             .userdata = &s,
                             .on_progress = on_progress };
  assert_int_equal (cli_http_do (h, &req, &resp, &err), 0);
  const char *got = served ();
  assert_non_null (strstr (got, "\r\nContent-Length: 300000\r\n\r\nabcdefghij"));
  assert_int_equal (s.progress_sent, size);
  assert_int_equal (s.progress_total, (int64_t) size);
  assert_true (s.progress_calls >= 2);
  cli_response_free (&resp);
  fclose (f);
  cli_http_free (h);
}

/* The daemon refuses a big upload before reading it: its answer counts. */
static void
test_early_answer (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  FILE *f = tmpfile ();
  assert_non_null (f);
  assert_int_equal (ftruncate (fileno (f), 32 << 20), 0);
  SERVE (EARLY, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                "Content-Length: 19\r\n\r\n{\"message\":\"nope\"}\n");
  struct cli_request req
      = { .method = "POST", .path = "/images/load", .body_from_fd = 1, .body_fd = fileno (f) };
  int r = cli_http_do (h, &req, &resp, &err);
  served ();
  if (r != 0)
    fail_msg ("%s", err.msg);
  assert_int_equal (resp.status, 400);
  assert_int_equal (cli_http_check (&resp, &err), -EINVAL);
  assert_string_equal (err.msg, "Error response from daemon: nope");
  cli_response_free (&resp);
  fclose (f);
  cli_http_free (h);
}

static void
test_stream_stop (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cd_err err = { 0 };
  struct seen s = { .stop = 1 };
  /* the stream never ends: the server waits for the client to hang up */
  SERVE (HOLD, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nevent\n\r\n");
  assert_int_equal (cli_http_stream (h, "GET", "/events", on_data, &s, &err), 0);
  served ();
  assert_string_equal (s.data, "event\n");

  /* an error answer is kept for the message, not streamed */
  memset (&s, 0, sizeof s);
  SERVE (READ_ALL, "HTTP/1.1 404 Not Found\r\nContent-Length: 15\r\n\r\nno such thing\r\n");
  assert_int_equal (cli_http_stream (h, "GET", "/events", on_data, &s, &err), -ENOENT);
  served ();
  assert_int_equal (s.len, 0);
  assert_string_equal (err.msg, "Error response from daemon: no such thing");
  cli_http_free (h);
}

static void
test_hostile (void **state)
{
  (void) state;
  struct cli_http *h = client ();
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };

  SERVE (READ_ALL, "");
  assert_int_equal (cli_http_do (h, &(struct cli_request){ .path = "/x" }, &resp, &err), -EPROTO);
  served ();
  assert_string_equal (
      err.msg, "connection to cdaemon lost: the daemon closed the connection without answering");
  assert_int_equal (resp.status, 0);

  SERVE (READ_ALL, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  assert_int_equal (cli_http_do (h, &(struct cli_request){ .path = "/x" }, &resp, &err), -EPROTO);
  served ();
  assert_string_equal (err.msg,
                       "connection to cdaemon lost: the answer ended after 5 of 100 bytes");
  cli_response_free (&resp);

  SERVE (READ_ALL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n");
  assert_int_equal (cli_http_do (h, &(struct cli_request){ .path = "/x" }, &resp, &err), -EPROTO);
  served ();
  assert_string_equal (err.msg, "bad answer from cdaemon: bad chunk size \"xyz\"");
  cli_response_free (&resp);

  /* headers without end: refused at the limit, the connection still open */
  size_t n = 200 * 1000;
  char *big = malloc (n + 32);
  assert_non_null (big);
  size_t i = (size_t) sprintf (big, "HTTP/1.1 200 OK\r\n");
  while (i + 16 < n)
    i += (size_t) sprintf (big + i, "X-Junk: 12345\r\n");
  serve (HOLD, big, i);
  free (big);
  assert_int_equal (cli_http_do (h, &(struct cli_request){ .path = "/x" }, &resp, &err), -EPROTO);
  served ();
  assert_string_equal (err.msg, "bad answer from cdaemon: more than 65536 bytes of headers");
  cli_response_free (&resp);
  cli_http_free (h);
}

static void
test_no_daemon (void **state)
{
  (void) state;
  struct cli_http *h = NULL;
  struct cli_response resp = { 0 };
  struct cd_err err = { 0 };
  char host[160];
  snprintf (host, sizeof host, "unix://%s/missing.sock", dir);
  assert_int_equal (cli_http_new (host, 0, &h, &err), 0);
  assert_int_equal (cli_http_do (h, &(struct cli_request){ .path = "/x" }, &resp, &err),
                    -ECONNREFUSED);
  char want[256];
  snprintf (want, sizeof want,
            "cannot connect to cdaemon at %s/missing.sock: is the daemon running?", dir);
  assert_string_equal (err.msg, want);
  cli_http_free (h);
}

int
main (void)
{
  signal (SIGPIPE, SIG_DFL); /* a send to a closed socket must not kill us */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_get_json),     cmocka_unit_test (test_post_json),
    cmocka_unit_test (test_upload_pipe),  cmocka_unit_test (test_upload_file),
    cmocka_unit_test (test_early_answer), cmocka_unit_test (test_stream_stop),
    cmocka_unit_test (test_hostile),      cmocka_unit_test (test_no_daemon),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
