#include "api/stream.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/server.h"

struct pipe_resp
{
  struct cd_daemon *d;
  struct MHD_Connection *conn;
  uv_poll_t poll;
  int fd;
  bool suspended, poll_open;
};

static void
on_readable (uv_poll_t *h, int status, int events)
{
  struct pipe_resp *p = h->data;
  (void) status, (void) events;
  uv_poll_stop (h);
  if (p->suspended)
    {
      p->suspended = false;
      MHD_resume_connection (p->conn);
      api_server_kick (p->d->api);
    }
}

static ssize_t
pipe_read (void *cls, uint64_t pos, char *buf, size_t max)
{
  struct pipe_resp *p = cls;
  (void) pos;
  ssize_t n = read (p->fd, buf, max);
  if (n > 0)
    return n;
  if (n == 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  if (errno != EAGAIN && errno != EINTR)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  if (!p->poll_open)
    {
      uv_poll_init (p->d->loop, &p->poll, p->fd);
      p->poll_open = true;
    }
  uv_poll_start (&p->poll, UV_READABLE, on_readable);
  p->suspended = true;
  MHD_suspend_connection (p->conn);
  return 0;
}

static void
free_closed (uv_handle_t *h)
{
  struct pipe_resp *p = h->data;
  close (p->fd);
  free (p);
}

static void
pipe_free (void *cls)
{
  struct pipe_resp *p = cls;
  if (p->poll_open)
    uv_close ((uv_handle_t *) &p->poll, free_closed);
  else
    free_closed ((uv_handle_t *) &p->poll);
}

int
api_reply_pipe (struct api_req *req, int rfd, const char *ctype)
{
  struct pipe_resp *p = calloc (1, sizeof *p);
  if (p == NULL)
    {
      close (rfd);
      return MHD_NO;
    }
  p->d = req->d;
  p->conn = req->conn;
  p->fd = rfd;
  p->poll.data = p;
  fcntl (rfd, F_SETFL, fcntl (rfd, F_GETFL) | O_NONBLOCK);
  struct MHD_Response *resp = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 65536,
                                                                 pipe_read, p, pipe_free);
  if (resp == NULL)
    {
      pipe_free (p);
      return MHD_NO;
    }
  if (ctype)
    MHD_add_response_header (resp, "Content-Type", ctype);
  return api_reply (req, 200, resp);
}
