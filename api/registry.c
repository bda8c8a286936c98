/* Registry endpoints: POST /images/create?fromImage= (pull), POST
 * /images/{name}/push and POST /auth.  Pull and push run on the thread pool
 * and stream Docker's JSON progress messages through a pipe; an error after
 * the answer has begun is the stream's last message ({"error": ...}). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/job.h"
#include "api/registry.h"
#include "api/router.h"
#include "api/stream.h"
#include "daemon/events.h"
#include "images/reference.h"
#include "images/registry.h"
#include "log.h"

struct reg_work
{
  uv_work_t work;
  struct cd_daemon *d;
  bool push;
  char *name, *tag;
  struct img_reg_creds cr;
  int wfd;
  int r;
  struct cd_err err;
};

static void
opts_of (struct cd_daemon *d, struct img_reg_opts *o)
{
  memset (o, 0, sizeof *o);
  o->insecure = d->cfg.insecure_registries;
  o->mirrors = d->cfg.registry_mirrors;
  o->max_downloads = d->cfg.max_downloads > 0 ? d->cfg.max_downloads : 3;
  o->certs_dir = getenv ("CDAEMON_CERTS_DIR");
  o->hub_host = getenv ("CDAEMON_HUB_HOST");
}

static void
write_all (int fd, const char *s, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, s, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return; /* the client went away: the work goes on */
      s += w;
      n -= (size_t) w;
    }
}

/* Thread-safe: pull calls it from its download threads under its own lock. */
static void
on_msg (void *ctx, json_object *m)
{
  struct reg_work *w = ctx;
  const char *s = json_object_to_json_string_ext (m, JSON_C_TO_STRING_PLAIN
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE);
  char *line;
  if (asprintf (&line, "%s\r\n", s) < 0)
    return;
  write_all (w->wfd, line, strlen (line));
  free (line);
}

static void
reg_run (uv_work_t *uw)
{
  struct reg_work *w = uw->data;
  struct img_reg_opts o;
  opts_of (w->d, &o);
  if (w->push)
    w->r = img_push (w->d->images, &o, w->name, w->tag, &w->cr, on_msg, w, &w->err);
  else
    w->r = img_pull (w->d->images, &o, w->name, &w->cr, on_msg, w, &w->err);
  if (w->r < 0)
    {
      json_object *o2 = json_object_new_object (), *det = json_object_new_object ();
      json_object_object_add (det, "message", json_object_new_string (w->err.msg));
      json_object_object_add (o2, "errorDetail", det);
      json_object_object_add (o2, "error", json_object_new_string (w->err.msg));
      on_msg (w, o2);
      json_object_put (o2);
    }
  close (w->wfd);
}

static void
reg_after (uv_work_t *uw, int status)
{
  struct reg_work *w = uw->data;
  (void) status;
  if (w->r < 0)
    log_info ("%s %s: %s", w->push ? "push" : "pull", w->name, w->err.msg);
  else
    {
      char ref[600];
      snprintf (ref, sizeof ref, "%s%s%s", w->name, w->tag && *w->tag ? ":" : "",
                w->tag && *w->tag ? w->tag : "");
      json_object *attrs = json_object_new_object ();
      json_object_object_add (attrs, "name", json_object_new_string (ref));
      ev_emit (w->d, "image", w->push ? "push" : "pull", ref, attrs);
      json_object_put (attrs);
    }
  img_reg_creds_clear (&w->cr);
  free (w->name);
  free (w->tag);
  free (w);
}

static int
start (struct api_req *req, bool push, const char *name, const char *tag)
{
  struct reg_work *w = calloc (1, sizeof *w);
  if (w == NULL)
    return MHD_NO;
  w->d = req->d;
  w->push = push;
  w->work.data = w;
  w->name = strdup (name);
  w->tag = tag && *tag ? strdup (tag) : NULL;
  struct cd_err err = { 0 };
  int fds[2] = { -1, -1 };
  int r = 0;
  /* as Docker: an unreadable X-Registry-Auth counts as no credentials */
  if (img_reg_creds_parse (api_header (req, "X-Registry-Auth"), &w->cr, &err) < 0)
    log_debug ("%s: %s", name, err.msg);
  cd_err_clear (&err);
  if (pipe2 (fds, O_CLOEXEC) < 0)
    r = cd_err_sys (&err, errno, "pipe");
  if (r == 0)
    {
      w->wfd = fds[1];
      if ((r = uv_queue_work (req->d->loop, &w->work, reg_run, reg_after)) < 0)
        {
          close (fds[0]);
          close (fds[1]);
          cd_err_set (&err, -r, "cannot start a worker: %s", uv_strerror (r));
        }
    }
  if (r < 0)
    {
      img_reg_creds_clear (&w->cr);
      free (w->name);
      free (w->tag);
      free (w);
      return api_reply_err (req, &err);
    }
  return api_reply_pipe (req, fds[0], "application/json");
}

int
api_registry_pull (struct api_req *req, const char *image)
{
  const char *tag = api_query (req, "tag");
  char *ref = NULL;
  struct img_ref parsed;
  struct cd_err err = { 0 };
  /* fromImage=busybox&tag=1, or a digest as the tag, or the tag inside fromImage */
  if (tag && *tag && asprintf (&ref, "%s%s%s", image, strncmp (tag, "sha256:", 7) == 0 ? "@" : ":",
                               tag) < 0)
    return MHD_NO;
  int r = img_ref_parse (ref ? ref : image, &parsed, &err);
  if (r < 0)
    {
      free (ref);
      return api_reply_err (req, &err);
    }
  img_ref_free (&parsed);
  r = start (req, false, ref ? ref : image, NULL);
  free (ref);
  return r;
}

static int
h_push (struct api_req *req)
{
  struct img_ref parsed;
  struct cd_err err = { 0 };
  if (img_ref_parse (req->params[0], &parsed, &err) < 0)
    return api_reply_err (req, &err);
  img_ref_free (&parsed);
  return start (req, true, req->params[0], api_query (req, "tag"));
}

struct auth_ctx
{
  struct img_reg_creds cr;
  char *server;
};

static void
auth_ctx_free (void *p)
{
  struct auth_ctx *c = p;
  img_reg_creds_clear (&c->cr);
  free (c->server);
  free (c);
}

static int
auth_work (struct api_job *job, int body_fd)
{
  struct auth_ctx *c = job->ctx;
  (void) body_fd;
  struct img_reg_opts o;
  opts_of (job->d, &o);
  struct cd_err err = { 0 };
  json_object *ans = json_object_new_object ();
  if (img_reg_login (&o, c->server, &c->cr, &err) < 0)
    {
      json_object_object_add (ans, "message", json_object_new_string (err.msg));
      api_job_reply_json (job, err.code == EACCES ? 401 : api_status_for (err.code), ans);
      return 0;
    }
  json_object_object_add (ans, "Status", json_object_new_string ("Login Succeeded"));
  json_object_object_add (ans, "IdentityToken", json_object_new_string (""));
  api_job_reply_json (job, 200, ans);
  return 0;
}

static char *
field_dup (json_object *o, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  return strdup (json_object_get_string (v));
}

static int
h_auth (struct api_req *req)
{
  json_object *body = NULL;
  if (api_body_json (req, false, &body) < 0)
    return MHD_YES;
  struct auth_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    {
      json_object_put (body);
      return MHD_NO;
    }
  c->cr.username = field_dup (body, "username");
  c->cr.password = field_dup (body, "password");
  c->cr.registrytoken = field_dup (body, "identitytoken");
  c->server = field_dup (body, "serveraddress");
  json_object_put (body);
  return api_job_start (req, auth_work, c, auth_ctx_free);
}

const struct api_route api_registry_routes[] = {
  { "POST", "/images/{*}/push", h_push, false },
  { "POST", "/auth", h_auth, false },
  { NULL, NULL, NULL, false },
};
