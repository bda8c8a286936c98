/* The control socket DIR/ctl.sock: a stream socket speaking JSON lines both
 * ways (see monitor.h). Every client has a bounded input line and a bounded
 * output buffer: a client that sends longer lines or does not read its
 * answers is dropped, so no client can block or grow the monitor. */
#ifndef CD_MON_CTL_H
#define CD_MON_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define MON_CTL_IN_MAX 1024
#define MON_CTL_OUT_MAX (16 * 1024)
#define MON_CTL_CLIENTS 32

/* Binds and listens on PATH (a stale socket file is replaced; one a live
 * monitor still serves is an EADDRINUSE error), non-blocking and
 * close-on-exec. Paths too long for sun_path are bound through
 * /proc/self/fd. Returns the fd. */
int mon_ctl_listen (const char *path, struct cd_err *err);

struct mon_client
{
  int fd;
  bool dead;           /* protocol error or overflow: close it */
  size_t in_len, out_len;
  char in[MON_CTL_IN_MAX];
  char out[MON_CTL_OUT_MAX];
};

/* Accepts one pending connection; NULL when none is pending or on error. */
struct mon_client *mon_client_accept (int listen_fd);
void mon_client_free (struct mon_client *c);

/* Called with each request line (without its newline, NUL-terminated). */
typedef void (*mon_line_fn) (void *ctx, struct mon_client *c, char *line, size_t len);

/* Reads what is available and calls FN for each complete line. Returns 0,
 * or -1 when the client has gone or must be dropped. */
int mon_client_read (struct mon_client *c, mon_line_fn fn, void *ctx);
/* Queues LEN bytes; marks the client dead when its buffer would overflow. */
void mon_client_send (struct mon_client *c, const char *data, size_t len);
/* Writes queued output without blocking. Returns 1 while output remains,
 * 0 when all is written, -1 when the client has gone. */
int mon_client_flush (struct mon_client *c);

/* A request: {"cmd":"kill","signal":15} and friends. Unknown keys are
 * ignored; values must be strings, integers, booleans or null. */
struct mon_req
{
  char cmd[32];
  bool has_signal, has_h, has_w;
  long long signal, h, w;
};

/* Parses one request line; -EINVAL with a message when it is not a flat
 * JSON object or a known key has the wrong type. */
int mon_req_parse (const char *line, size_t len, struct mon_req *r, struct cd_err *err);

#endif
