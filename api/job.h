/* Blocking work for a request, run on the libuv thread pool while the
 * connection is suspended; the reply is queued from the loop afterwards.
 * With a body, the request body is fed through a pipe to the worker, with
 * back-pressure (the connection is suspended while the pipe is full). */
#ifndef CD_API_JOB_H
#define CD_API_JOB_H

#include "api/http.h"

struct api_job;

/* Runs on a worker thread. body_fd is the read end of the body pipe (-1
 * without a body): read it to EOF (or stop early on error). Fill the reply
 * with api_job_reply_* or set job->err and return its negative code. */
typedef int (*api_job_fn) (struct api_job *job, int body_fd);

struct api_job
{
  struct cd_daemon *d;
  void *ctx;                      /* the handler's own state, freed by ctx_free */
  void (*ctx_free) (void *ctx);
  struct cd_err err;
  /* reply, set by the worker */
  unsigned int status;
  char *reply;                    /* body text (malloc'd) */
  const char *reply_ctype;
  /* called on the loop thread when fn has returned (emit events here) */
  void (*after) (struct api_job *job);
  /* private */
  struct api_req *req;            /* NULL once the client is gone */
  api_job_fn fn;
  uv_work_t work;
  uv_poll_t poll;                 /* the body pipe's write end, while full */
  int body_rfd, body_wfd;
  bool work_done, body_done, poll_open;
};

/* Suspends req and runs fn on the pool; replies when it returns. */
int api_job_start (struct api_req *req, api_job_fn fn, void *ctx, void (*ctx_free) (void *));
/* For .stream_body routes: streams the body into fn's body_fd. */
int api_job_start_with_body (struct api_req *req, api_job_fn fn, void *ctx,
                             void (*ctx_free) (void *));
/* Worker helpers: set the reply (JSON takes obj's reference). */
void api_job_reply_json (struct api_job *job, unsigned int status, json_object *obj);
void api_job_reply_text (struct api_job *job, unsigned int status, const char *ctype,
                         const char *text);

#endif
