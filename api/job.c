#include "api/job.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/server.h"
#include "log.h"

static void
job_close_wfd (struct api_job *job)
{
  if (job->body_wfd >= 0)
    close (job->body_wfd);
  job->body_wfd = -1;
}

static void
job_free_now (uv_handle_t *h)
{
  struct api_job *job = h->data;
  if (job->ctx_free)
    job->ctx_free (job->ctx);
  free (job->reply);
  free (job);
}

/* Frees the job once the worker is done and the request is gone. */
static void
job_maybe_free (struct api_job *job)
{
  if (!job->work_done || job->req != NULL)
    return;
  job_close_wfd (job);
  if (job->poll_open)
    {
      job->poll_open = false;
      uv_close ((uv_handle_t *) &job->poll, job_free_now);
      return;
    }
  job_free_now ((uv_handle_t *) &job->poll);
}

/* Queues the reply once both the worker and the body are done. */
static void
job_deliver (struct api_job *job)
{
  struct api_req *req = job->req;
  if (req == NULL || !job->work_done || !job->body_done)
    return;
  if (job->err.code)
    api_finish_error (req, &job->err);
  else
    {
      const char *text = job->reply ? job->reply : "";
      struct MHD_Response *resp = MHD_create_response_from_buffer (strlen (text), (void *) text,
                                                                   MHD_RESPMEM_MUST_COPY);
      if (resp && job->reply_ctype)
        MHD_add_response_header (resp, "Content-Type", job->reply_ctype);
      req->response = resp;
      req->status = job->status ? job->status : 200;
      api_resume (req);
    }
}

static void
job_on_done (struct api_req *req)
{
  struct api_job *job = req->data;
  job->req = NULL;
  job_close_wfd (job); /* the worker sees EOF: a truncated body */
  job_maybe_free (job);
}

static void
job_work (uv_work_t *w)
{
  struct api_job *job = w->data;
  int r = job->fn (job, job->body_rfd);
  if (r < 0 && job->err.code == 0)
    cd_err_set (&job->err, r, "internal error (%d)", r);
  if (job->body_rfd >= 0)
    close (job->body_rfd);
  job->body_rfd = -1;
}

static void
job_after (uv_work_t *w, int status)
{
  struct api_job *job = w->data;
  (void) status;
  job->work_done = true;
  if (job->after)
    job->after (job);
  job_deliver (job);
  job_maybe_free (job);
}

static struct api_job *
job_new (struct api_req *req, api_job_fn fn, void *ctx, void (*ctx_free) (void *))
{
  struct api_job *job = calloc (1, sizeof *job);
  if (job == NULL)
    return NULL;
  job->d = req->d;
  job->req = req;
  job->fn = fn;
  job->ctx = ctx;
  job->ctx_free = ctx_free;
  job->body_rfd = job->body_wfd = -1;
  job->work.data = job;
  job->poll.data = job;
  req->data = job;
  req->on_done = job_on_done;
  return job;
}

int
api_job_start (struct api_req *req, api_job_fn fn, void *ctx, void (*ctx_free) (void *))
{
  struct api_job *job = job_new (req, fn, ctx, ctx_free);
  if (job == NULL)
    {
      if (ctx_free)
        ctx_free (ctx);
      return MHD_NO;
    }
  job->body_done = true;
  api_suspend (req);
  uv_queue_work (req->d->loop, &job->work, job_work, job_after);
  return MHD_YES;
}

static void
on_pipe_writable (uv_poll_t *h, int status, int events)
{
  struct api_job *job = h->data;
  (void) status, (void) events;
  uv_poll_stop (h);
  if (job->req)
    api_resume (job->req);
}

static ssize_t
job_on_body (struct api_req *req, const char *data, size_t len)
{
  struct api_job *job = req->data;
  if (len == 0)
    {
      job_close_wfd (job);
      job->body_done = true;
      if (job->work_done)
        job_deliver (job);
      else
        api_suspend (req);
      return 0;
    }
  if (job->body_wfd < 0)
    return (ssize_t) len; /* the worker stopped reading: discard */
  ssize_t w = write (job->body_wfd, data, len);
  if (w >= 0 && (size_t) w == len)
    return w;
  if (w >= 0 || errno == EAGAIN)
    {
      /* Pipe full, even after a part: park the connection until the worker
       * drains it. MHD offers the rest again only on an event, and in
       * edge-triggered epoll a client that has sent everything makes none:
       * the resume is that event. */
      if (!job->poll_open)
        {
          uv_poll_init (req->d->loop, &job->poll, job->body_wfd);
          job->poll_open = true;
        }
      uv_poll_start (&job->poll, UV_WRITABLE, on_pipe_writable);
      api_suspend (req);
      return w > 0 ? w : 0;
    }
  job_close_wfd (job); /* EPIPE: the worker gave up; its error is the reply */
  return (ssize_t) len;
}

int
api_job_start_with_body (struct api_req *req, api_job_fn fn, void *ctx,
                         void (*ctx_free) (void *))
{
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      if (ctx_free)
        ctx_free (ctx);
      return api_reply_error (req, 500, "pipe: %s", strerror (errno));
    }
  struct api_job *job = job_new (req, fn, ctx, ctx_free);
  if (job == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      if (ctx_free)
        ctx_free (ctx);
      return MHD_NO;
    }
  fcntl (fds[1], F_SETFL, O_NONBLOCK);
  fcntl (fds[1], F_SETPIPE_SZ, 1 << 20);
  job->body_rfd = fds[0];
  job->body_wfd = fds[1];
  req->on_body = job_on_body;
  uv_queue_work (req->d->loop, &job->work, job_work, job_after);
  return MHD_YES;
}

void
api_job_reply_json (struct api_job *job, unsigned int status, json_object *obj)
{
  free (job->reply);
  job->reply = strdup (json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE));
  job->reply_ctype = "application/json";
  job->status = status;
  json_object_put (obj);
}

void
api_job_reply_text (struct api_job *job, unsigned int status, const char *ctype,
                    const char *text)
{
  free (job->reply);
  job->reply = strdup (text);
  job->reply_ctype = ctype;
  job->status = status;
}
