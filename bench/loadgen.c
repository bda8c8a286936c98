/* loadgen: HTTP/1.1 keep-alive load over a Unix socket, because wrk and its
 * kind cannot use one. N connections each send a request, read the whole
 * answer and send the next, for a fixed time; one epoll loop, no threads.
 *
 *   loadgen -s SOCKET [-c CONNS] [-d SECONDS] [-X METHOD] PATH
 *
 * Prints one JSON object: requests, errors (non-2xx or broken answers),
 * rps, and latency percentiles in ms (p50, p90, p99, max). Exit 1 when no
 * request succeeded. Answers are framed by Content-Length or chunked
 * encoding; a connection the server closes is opened again. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUF_MAX (4 << 20) /* the largest answer kept while it is parsed */

struct conn
{
  int fd;
  char *buf;
  size_t len, cap;
  uint64_t sent_ns;
};

struct load
{
  const char *sock, *method, *path;
  int nconn;
  double seconds;
  char req[2048];
  size_t req_len;
  uint64_t *lat; /* ns, one per completed request */
  size_t nlat, cap_lat;
  uint64_t errors;
  int ep;
};

static uint64_t
now_ns (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

static int
dial (const char *path)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof a.sun_path)
    return -ENAMETOOLONG;
  strcpy (a.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      int e = errno;
      close (fd);
      return -e;
    }
  return fd;
}

/* Writes the whole request (small: one write on a fresh socket). */
static int
send_req (struct load *l, struct conn *c)
{
  size_t off = 0;
  c->sent_ns = now_ns ();
  while (off < l->req_len)
    {
      ssize_t w = send (c->fd, l->req + off, l->req_len - off, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      off += (size_t) w;
    }
  c->len = 0;
  return 0;
}

static int
open_conn (struct load *l, struct conn *c)
{
  c->fd = dial (l->sock);
  if (c->fd < 0)
    return c->fd;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
  if (epoll_ctl (l->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
    return -errno;
  return send_req (l, c);
}

static void
close_conn (struct conn *c)
{
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
}

/* The end of a chunked body at or after BODY: its length in total, or 0. */
static size_t
chunked_end (const char *p, size_t len, size_t body)
{
  size_t i = body;
  for (;;)
    {
      const char *crlf = memmem (p + i, len - i, "\r\n", 2);
      if (crlf == NULL)
        return 0;
      size_t n = strtoul (p + i, NULL, 16);
      i = (size_t) (crlf - p) + 2;
      if (n == 0)
        {
          const char *end = memmem (p + i, len - i, "\r\n", 2); /* trailers end */
          return end ? (size_t) (end - p) + 2 : 0;
        }
      if (i + n + 2 > len)
        return 0;
      i += n + 2;
    }
}

/* 0 while incomplete; otherwise the answer's length, with *status set. */
static size_t
answer_complete (const char *p, size_t len, int *status)
{
  const char *hend = memmem (p, len, "\r\n\r\n", 4);
  if (hend == NULL)
    return 0;
  size_t body = (size_t) (hend - p) + 4;
  *status = 0;
  sscanf (p, "HTTP/1.%*d %d", status);
  for (const char *h = strstr (p, "\r\n"); h && h < hend; h = strstr (h + 2, "\r\n"))
    {
      if (strncasecmp (h + 2, "Content-Length:", 15) == 0)
        {
          size_t n = strtoul (h + 17, NULL, 10);
          return body + n <= len ? body + n : 0;
        }
      if (strncasecmp (h + 2, "Transfer-Encoding: chunked", 26) == 0)
        return chunked_end (p, len, body);
    }
  return body; /* no body (204, 304) */
}

static void
record (struct load *l, uint64_t ns)
{
  if (l->nlat == l->cap_lat)
    {
      l->cap_lat = l->cap_lat ? l->cap_lat * 2 : 4096;
      uint64_t *n = realloc (l->lat, l->cap_lat * sizeof *n);
      if (n == NULL)
        {
          fprintf (stderr, "loadgen: out of memory\n");
          exit (2);
        }
      l->lat = n;
    }
  l->lat[l->nlat++] = ns;
}

/* Reads what arrived; on a whole answer records it and sends the next
 * request (unless time is up). Returns -1 when the connection broke. */
static int
on_readable (struct load *l, struct conn *c, bool more)
{
  for (;;)
    {
      if (c->cap - c->len < 65536)
        {
          size_t cap = c->cap ? c->cap * 2 : 65536;
          if (cap > BUF_MAX)
            return -1;
          char *n = realloc (c->buf, cap);
          if (n == NULL)
            return -1;
          c->buf = n, c->cap = cap;
        }
      ssize_t r = recv (c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
      if (r <= 0)
        return -1;
      c->len += (size_t) r;
      c->buf[c->len] = '\0';
      int status;
      size_t n = answer_complete (c->buf, c->len, &status);
      if (n == 0)
        continue;
      if (status >= 200 && status < 300)
        record (l, now_ns () - c->sent_ns);
      else
        l->errors++;
      if (!more)
        return 1;
      return send_req (l, c);
    }
}

static int
cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

static double
pct (const struct load *l, double p)
{
  if (l->nlat == 0)
    return 0;
  size_t i = (size_t) (p / 100.0 * (double) (l->nlat - 1) + 0.5);
  return (double) l->lat[i] / 1e6;
}

static int
run (struct load *l)
{
  struct conn *cs = calloc ((size_t) l->nconn, sizeof *cs);
  l->ep = epoll_create1 (EPOLL_CLOEXEC);
  if (cs == NULL || l->ep < 0)
    return -1;
  for (int i = 0; i < l->nconn; i++)
    {
      int r = open_conn (l, &cs[i]);
      if (r < 0)
        {
          fprintf (stderr, "loadgen: %s: %s\n", l->sock, strerror (-r));
          return -1;
        }
    }
  uint64_t t0 = now_ns (), end = t0 + (uint64_t) (l->seconds * 1e9);
  int open = l->nconn;
  while (open > 0)
    {
      uint64_t t = now_ns ();
      bool more = t < end;
      struct epoll_event evs[64];
      int n = epoll_wait (l->ep, evs, 64, more ? (int) ((end - t) / 1000000 + 1) : 5000);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 && !more)
        break; /* answers that never came are not counted */
      for (int i = 0; i < n; i++)
        {
          struct conn *c = evs[i].data.ptr;
          int r = on_readable (l, c, now_ns () < end);
          if (r == 0)
            continue;
          close_conn (c);
          if (r < 0)
            l->errors++;
          if (r < 0 && now_ns () < end && open_conn (l, c) == 0)
            continue;
          open--;
        }
    }
  double secs = (double) (now_ns () - t0) / 1e9;
  for (int i = 0; i < l->nconn; i++)
    {
      close_conn (&cs[i]);
      free (cs[i].buf);
    }
  free (cs);
  close (l->ep);
  qsort (l->lat, l->nlat, sizeof *l->lat, cmp_u64);
  printf ("{\"requests\": %zu, \"errors\": %llu, \"seconds\": %.3f, \"rps\": %.1f, "
          "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
          l->nlat, (unsigned long long) l->errors, secs, (double) l->nlat / secs,
          pct (l, 50), pct (l, 90), pct (l, 99), pct (l, 100));
  return l->nlat > 0 ? 0 : -1;
}

static void
usage (void)
{
  fprintf (stderr, "usage: loadgen -s SOCKET [-c CONNS] [-d SECONDS] [-X METHOD] PATH\n");
}

int
main (int argc, char **argv)
{
  struct load l = { .method = "GET", .nconn = 8, .seconds = 5 };
  int o;
  while ((o = getopt (argc, argv, "s:c:d:X:h")) != -1)
    switch (o)
      {
      case 's': l.sock = optarg; break;
      case 'c': l.nconn = atoi (optarg); break;
      case 'd': l.seconds = atof (optarg); break;
      case 'X': l.method = optarg; break;
      default: usage (); return o == 'h' ? 0 : 2;
      }
  if (l.sock == NULL || optind != argc - 1 || l.nconn < 1 || l.nconn > 4096 || l.seconds <= 0)
    {
      usage ();
      return 2;
    }
  l.path = argv[optind];
  int n = snprintf (l.req, sizeof l.req, "%s %s HTTP/1.1\r\nHost: d\r\nUser-Agent: loadgen\r\n%s\r\n",
                    l.method, l.path, strcmp (l.method, "GET") ? "Content-Length: 0\r\n" : "");
  if (n < 0 || (size_t) n >= sizeof l.req)
    {
      fprintf (stderr, "loadgen: path too long\n");
      return 2;
    }
  l.req_len = (size_t) n;
  int r = run (&l);
  free (l.lat);
  return r < 0 ? 1 : 0;
}
