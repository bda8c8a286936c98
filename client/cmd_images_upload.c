/* Uploads with a progress bar of the bytes sent (cdctl load on a terminal).
 * struct cli_request has no progress hook, so this transfer runs on its own
 * curl handle to the same socket; everything else goes through client/http.c. */
#include "client/cmd_images.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "log.h"

struct upload
{
  const struct cli_upload *up;
  struct cli_response resp;
  size_t cap;
  struct cd_err *err;
  int cb_ret;       /* on_data's failure */
  int read_errno;   /* a failed read of the body */
  curl_off_t total; /* -1 when unknown (chunked) */
  struct timespec last;
  curl_off_t shown; /* bytes in the bar on screen */
  int drawn;
  int answered; /* the answer began: no more bar */
  CURL *curl;
};

static size_t
up_read (char *buf, size_t size, size_t nitems, void *userdata)
{
  struct upload *u = userdata;
  ssize_t n;
  do
    n = read (u->up->fd, buf, size * nitems);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      u->read_errno = errno;
      return CURL_READFUNC_ABORT;
    }
  return (size_t) n;
}

static int
keep (struct upload *u, const char *data, size_t len)
{
  if (u->resp.len + len + 1 > u->cap)
    {
      size_t cap = u->cap ? u->cap : 4096;
      while (cap < u->resp.len + len + 1)
        cap *= 2;
      char *b = realloc (u->resp.body, cap);
      if (b == NULL)
        return -ENOMEM;
      u->resp.body = b;
      u->cap = cap;
    }
  memcpy (u->resp.body + u->resp.len, data, len);
  u->resp.len += len;
  u->resp.body[u->resp.len] = '\0';
  return 0;
}

static void clear_bar (struct upload *u);

static size_t
up_write (char *data, size_t size, size_t nmemb, void *userdata)
{
  struct upload *u = userdata;
  size_t len = size * nmemb;
  long code = 0;
  u->answered = 1;
  clear_bar (u);
  curl_easy_getinfo (u->curl, CURLINFO_RESPONSE_CODE, &code);
  if (u->up->on_data && code >= 200 && code < 300)
    {
      int r = u->up->on_data (data, len, u->up->userdata, u->err);
      if (r != 0)
        u->cb_ret = r;
      return r != 0 ? 0 : len;
    }
  if (keep (u, data, len) < 0)
    {
      u->cb_ret = cd_err_set (u->err, ENOMEM, "out of memory reading the daemon's answer");
      return 0;
    }
  return len;
}

static void
clear_bar (struct upload *u)
{
  if (u->drawn)
    (void) !write (u->up->progress_fd, "\r\033[2K", 5);
  u->drawn = 0;
}

/* Redraws "Loading  [====>    ]  1.05MB/2.14MB" at most ten times a second. */
static int
up_progress (void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
             curl_off_t ulnow)
{
  struct upload *u = userdata;
  struct timespec now;
  (void) dltotal, (void) dlnow, (void) ultotal;
  clock_gettime (CLOCK_MONOTONIC, &now);
  long ms = (now.tv_sec - u->last.tv_sec) * 1000 + (now.tv_nsec - u->last.tv_nsec) / 1000000;
  int done = u->total > 0 && ulnow >= u->total;
  if (u->answered || ulnow == 0 || (u->drawn && ulnow == u->shown)
      || (u->drawn && ms < 100 && !done))
    return 0;
  u->shown = ulnow;
  u->last = now;
  char bar[192], line[256];
  cli_progress_string ((int64_t) ulnow, (int64_t) u->total, cli_term_width (u->up->progress_fd),
                       bar, sizeof bar);
  int n = snprintf (line, sizeof line, "\r\033[2K%s %s", u->up->label, bar);
  size_t len = n < 0 ? 0 : (size_t) n < sizeof line ? (size_t) n : sizeof line - 1;
  (void) !write (u->up->progress_fd, line, len);
  u->drawn = 1;
  return 0;
}

static struct curl_slist *
setup (struct upload *u, const char *socket, const char *url, char *errbuf)
{
  CURL *c = u->curl;
  struct curl_slist *hl = NULL, *n;
  char ct[256];
  struct stat st;
  int sized = fstat (u->up->fd, &st) == 0 && S_ISREG (st.st_mode);
  u->total = sized ? (curl_off_t) st.st_size : -1;
  curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, socket);
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_USERAGENT, CLI_PROG "/" CDCTL_VERSION);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (c, CURLOPT_POST, 1L);
  curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, u->total);
  curl_easy_setopt (c, CURLOPT_READFUNCTION, up_read);
  curl_easy_setopt (c, CURLOPT_READDATA, u);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, up_write);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, u);
  if (u->up->progress_fd >= 0)
    {
      curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, up_progress);
      curl_easy_setopt (c, CURLOPT_XFERINFODATA, u);
    }
  snprintf (ct, sizeof ct, "Content-Type: %s", u->up->content_type);
  const char *const hdrs[] = { ct, "Expect:", sized ? NULL : "Transfer-Encoding: chunked" };
  for (size_t i = 0; i < 3 && hdrs[i]; i++)
    {
      if ((n = curl_slist_append (hl, hdrs[i])) == NULL)
        {
          curl_slist_free_all (hl);
          return NULL;
        }
      hl = n;
    }
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hl);
  return hl;
}

static int
failed (struct upload *u, CURLcode rc, const char *socket, const char *errbuf)
{
  if (rc == CURLE_WRITE_ERROR && u->cb_ret != 0)
    return u->cb_ret == CLI_HTTP_STOP ? 0 : u->cb_ret;
  if (u->read_errno)
    return cd_err_sys (u->err, u->read_errno, "reading the request body");
  if (rc == CURLE_COULDNT_CONNECT)
    return cd_err_set (u->err, ECONNREFUSED,
                       "cannot connect to cdaemon at %s: is the daemon running?", socket);
  return cd_err_set (u->err, EIO, "connection to cdaemon lost: %s",
                     errbuf[0] ? errbuf : curl_easy_strerror (rc));
}

int
cli_upload (struct cli_ctx *ctx, const struct cli_upload *up, struct cd_err *err)
{
  const char *socket = cli_http_socket (ctx->http);
  cleanup_free char *url = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  struct upload u = { .up = up, .err = err };
  if (asprintf (&url, "http://localhost/v" CLI_API_VERSION "%s", up->path) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((u.curl = curl_easy_init ()) == NULL)
    return cd_err_set (err, ENOMEM, "cannot initialise libcurl");
  struct curl_slist *hl = setup (&u, socket, url, errbuf);
  int r = hl ? 0 : cd_err_set (err, ENOMEM, "out of memory");
  if (r == 0)
    {
      if (ctx->debug)
        log_debug ("POST %s via %s", up->path, socket);
      CURLcode rc = curl_easy_perform (u.curl);
      clear_bar (&u);
      curl_easy_getinfo (u.curl, CURLINFO_RESPONSE_CODE, &u.resp.status);
      if (rc != CURLE_OK)
        r = failed (&u, rc, socket, errbuf);
    }
  curl_slist_free_all (hl);
  curl_easy_cleanup (u.curl);
  if (r == 0 && u.resp.len > 0 && (u.resp.body[0] == '{' || u.resp.body[0] == '['))
    u.resp.json = json_tokener_parse (u.resp.body);
  if (r == 0)
    r = cli_http_check (&u.resp, err);
  cli_response_free (&u.resp);
  return r;
}
