/* Image endpoints: load, list, inspect, history, tag, remove, prune. Work that
 * touches layer data runs on the thread pool (api_job). */
#include <stdlib.h>
#include <string.h>

#include "api/filters.h"
#include "api/job.h"
#include "api/router.h"
#include "daemon/events.h"
#include "images/images.h"
#include "images/views.h"

/* ---- load ---- */

struct load_ctx
{
  bool quiet;
  char *out;          /* JSON messages, one per line */
  size_t len, cap;
  json_object *loaded; /* names/IDs for events */
};

static void
load_ctx_free (void *p)
{
  struct load_ctx *c = p;
  free (c->out);
  json_object_put (c->loaded);
  free (c);
}

static void
load_msg (void *ctx, json_object *msg)
{
  struct load_ctx *c = ctx;
  const char *s = json_object_to_json_string_ext (msg, JSON_C_TO_STRING_PLAIN
                                                           | JSON_C_TO_STRING_NOSLASHESCAPE);
  size_t n = strlen (s);
  if (c->len + n + 2 > c->cap)
    {
      size_t cap = (c->len + n + 2) * 2;
      char *nb = realloc (c->out, cap);
      if (nb == NULL)
        return;
      c->out = nb;
      c->cap = cap;
    }
  memcpy (c->out + c->len, s, n);
  c->out[c->len + n] = '\n';
  c->len += n + 1;
  c->out[c->len] = '\0';
  json_object *stream;
  if (json_object_object_get_ex (msg, "stream", &stream))
    json_object_array_add (c->loaded, json_object_get (stream));
}

static int
load_work (struct api_job *job, int body_fd)
{
  struct load_ctx *c = job->ctx;
  int r = img_load (job->d->images, body_fd, c->quiet, load_msg, c, &job->err);
  if (r == 0)
    api_job_reply_text (job, 200, "application/json", c->out ? c->out : "");
  return r;
}

static int
h_load (struct api_req *req)
{
  struct load_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return MHD_NO;
  c->quiet = api_query_bool (req, "quiet", false);
  c->loaded = json_object_new_array ();
  return api_job_start_with_body (req, load_work, c, load_ctx_free);
}

/* ---- queries ---- */

static const char *const image_filters[] = { "before", "dangling", "label", "reference", "since",
                                             "until", NULL };

static int
h_list (struct api_req *req)
{
  json_object *filters, *out;
  if (api_filters (req, image_filters, &filters) < 0)
    return MHD_YES;
  struct cd_err err = { 0 };
  int r = img_list_json (req->d->images, api_query_bool (req, "digests", false), filters, &out,
                         &err);
  json_object_put (filters);
  return r < 0 ? api_reply_err (req, &err) : api_reply_json (req, 200, out);
}

static int
resolve (struct api_req *req, char id[CD_DIGEST_LEN])
{
  struct cd_err err = { 0 };
  if (img_resolve (req->d->images, req->params[0], id, &err) < 0)
    {
      api_reply_err (req, &err);
      return -1;
    }
  return 0;
}

static int
h_inspect (struct api_req *req)
{
  char id[CD_DIGEST_LEN];
  if (resolve (req, id) < 0)
    return MHD_YES;
  json_object *out;
  struct cd_err err = { 0 };
  if (img_inspect_json (req->d->images, id, &out, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_json (req, 200, out);
}

static int
h_history (struct api_req *req)
{
  char id[CD_DIGEST_LEN];
  if (resolve (req, id) < 0)
    return MHD_YES;
  json_object *out;
  struct cd_err err = { 0 };
  if (img_history_json (req->d->images, id, &out, &err) < 0)
    return api_reply_err (req, &err);
  return api_reply_json (req, 200, out);
}

static void
image_event (struct cd_daemon *d, const char *action, const char *id, const char *name)
{
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "name", json_object_new_string (name));
  ev_emit (d, "image", action, id, attrs);
  json_object_put (attrs);
}

static int
h_tag (struct api_req *req)
{
  const char *repo = api_query (req, "repo"), *tag = api_query (req, "tag");
  struct cd_err err = { 0 };
  char id[CD_DIGEST_LEN];
  if (resolve (req, id) < 0)
    return MHD_YES;
  if (img_tag (req->d->images, req->params[0], repo, tag, &err) < 0)
    return api_reply_err (req, &err);
  char name[600];
  snprintf (name, sizeof name, "%s:%s", repo, tag && *tag ? tag : "latest");
  image_event (req->d, "tag", id, name);
  return api_reply_empty (req, 201);
}

/* ---- remove, prune (disk work on the pool) ---- */

struct rm_ctx
{
  char *name;
  bool force, noprune;
  json_object *report;
};

static void
rm_ctx_free (void *p)
{
  struct rm_ctx *c = p;
  free (c->name);
  json_object_put (c->report);
  free (c);
}

static int
rm_work (struct api_job *job, int body_fd)
{
  struct rm_ctx *c = job->ctx;
  (void) body_fd;
  int r = img_remove (job->d->images, c->name, c->force, c->noprune, &c->report, &job->err);
  if (r == 0)
    api_job_reply_json (job, 200, json_object_get (c->report));
  return r;
}

static int
h_remove (struct api_req *req)
{
  char id[CD_DIGEST_LEN];
  if (resolve (req, id) < 0)
    return MHD_YES;
  struct rm_ctx *c = calloc (1, sizeof *c);
  if (c == NULL || (c->name = strdup (req->params[0])) == NULL)
    {
      free (c);
      return MHD_NO;
    }
  c->force = api_query_bool (req, "force", false);
  c->noprune = api_query_bool (req, "noprune", false);
  return api_job_start (req, rm_work, c, rm_ctx_free);
}

struct prune_ctx
{
  bool all;
  json_object *filters;
};

static void
prune_ctx_free (void *p)
{
  struct prune_ctx *c = p;
  json_object_put (c->filters);
  free (c);
}

static int
prune_work (struct api_job *job, int body_fd)
{
  struct prune_ctx *c = job->ctx;
  (void) body_fd;
  json_object *report;
  int64_t reclaimed;
  int r = img_prune (job->d->images, c->all, c->filters, &report, &reclaimed, &job->err);
  if (r < 0)
    return r;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ImagesDeleted", json_object_array_length (report) ? report : NULL);
  if (json_object_array_length (report) == 0)
    json_object_put (report);
  json_object_object_add (o, "SpaceReclaimed", json_object_new_int64 (reclaimed));
  api_job_reply_json (job, 200, o);
  return 0;
}

static const char *const prune_filters[] = { "dangling", "label", "until", NULL };

static int
h_prune (struct api_req *req)
{
  struct prune_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return MHD_NO;
  if (api_filters (req, prune_filters, &c->filters) < 0)
    {
      free (c);
      return MHD_YES;
    }
  json_object *set;
  /* dangling=false means "all unused images" (docker image prune -a). */
  c->all = c->filters && json_object_object_get_ex (c->filters, "dangling", &set)
           && (json_object_object_get_ex (set, "false", NULL)
               || json_object_object_get_ex (set, "0", NULL));
  return api_job_start (req, prune_work, c, prune_ctx_free);
}

const struct api_route api_image_routes[] = {
  { "POST", "/images/load", h_load, true },
  { "GET", "/images/json", h_list, false },
  { "POST", "/images/prune", h_prune, false },
  { "GET", "/images/{*}/json", h_inspect, false },
  { "GET", "/images/{*}/history", h_history, false },
  { "POST", "/images/{*}/tag", h_tag, false },
  { "DELETE", "/images/{*}", h_remove, false },
  { NULL, NULL, NULL, false },
};
