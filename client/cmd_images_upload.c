/* Uploads with a progress bar of the bytes sent (cdctl load on a terminal):
 * cli_http_do with an on_progress hook that redraws the bar. */
#include "client/cmd_images.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct upload
{
  const struct cli_upload *up;
  struct timespec last;
  uint64_t shown; /* bytes in the bar on screen */
  int drawn;
  int answered; /* the answer began: no more bar */
};

static void
clear_bar (struct upload *u)
{
  if (u->drawn)
    (void) !write (u->up->progress_fd, "\r\033[2K", 5);
  u->drawn = 0;
}

static int
up_data (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  struct upload *u = userdata;
  u->answered = 1;
  clear_bar (u);
  return u->up->on_data ? u->up->on_data (data, len, u->up->userdata, err) : 0;
}

/* Redraws "Loading  [====>    ]  1.05MB/2.14MB" at most ten times a second. */
static void
up_progress (uint64_t sent, int64_t total, void *userdata)
{
  struct upload *u = userdata;
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  long ms = (now.tv_sec - u->last.tv_sec) * 1000 + (now.tv_nsec - u->last.tv_nsec) / 1000000;
  int done = total > 0 && sent >= (uint64_t) total;
  if (u->answered || sent == 0 || (u->drawn && sent == u->shown) || (u->drawn && ms < 100 && !done))
    return;
  u->shown = sent;
  u->last = now;
  char bar[192], line[256];
  cli_progress_string ((int64_t) sent, total, cli_term_width (u->up->progress_fd), bar, sizeof bar);
  int n = snprintf (line, sizeof line, "\r\033[2K%s %s", u->up->label, bar);
  size_t len = n < 0 ? 0 : (size_t) n < sizeof line ? (size_t) n : sizeof line - 1;
  (void) !write (u->up->progress_fd, line, len);
  u->drawn = 1;
}

int
cli_upload (struct cli_ctx *ctx, const struct cli_upload *up, struct cd_err *err)
{
  struct upload u = { .up = up };
  struct cli_request req = {
    .method = "POST",
    .path = up->path,
    .content_type = up->content_type,
    .body_from_fd = 1,
    .body_fd = up->fd,
    .on_data = up_data,
    .userdata = &u,
    .on_progress = up->progress_fd >= 0 ? up_progress : NULL,
  };
  struct cli_response resp = { 0 };
  int r = cli_http_do (ctx->http, &req, &resp, err);
  clear_bar (&u);
  if (r == 0)
    r = cli_http_check (&resp, err);
  cli_response_free (&resp);
  return r;
}
