/* GET /containers/{id}/stats (Docker v1.41) and GET /cdaemon/stats (every
 * running container's sample in one answer). Answers come from the
 * sampler's samples (daemon/stats.h): no cgroup is read here. */
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "api/server.h"
#include "daemon/stats.h"
#include "store/containers.h"

#define STATS_MAX_PENDING (1u << 20)

static json_object *
sample_or_empty (struct cd_daemon *d, const char *id, const char *name)
{
  const struct st_info *info;
  const struct st_sample *cur, *prev;
  if (st_get (d, id, &info, &cur, &prev) == 0)
    return st_sample_json (info, cur, prev);
  return st_empty_json (id, name);
}

struct stats_stream
{
  struct cd_daemon *d;
  struct MHD_Connection *conn;
  struct st_listener *listener;
  char id[65];
  char *name;
  char *buf;
  size_t len, off, cap;
  int64_t last_read;            /* read time of the last sample sent */
  bool suspended, ended;
};

static void
stream_append (struct stats_stream *ss, json_object *o)
{
  const char *s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN
                                                       | JSON_C_TO_STRING_NOSLASHESCAPE);
  size_t n = strlen (s);
  if (ss->off == ss->len)
    ss->off = ss->len = 0;
  if (ss->len - ss->off + n + 1 > STATS_MAX_PENDING)
    {
      ss->ended = true; /* a client that stopped reading */
      return;
    }
  if (ss->len + n + 1 > ss->cap)
    {
      size_t cap = (ss->len + n + 1) * 2;
      char *nb = realloc (ss->buf, cap);
      if (nb == NULL)
        {
          ss->ended = true;
          return;
        }
      ss->buf = nb;
      ss->cap = cap;
    }
  memcpy (ss->buf + ss->len, s, n);
  ss->buf[ss->len + n] = '\n';
  ss->len += n + 1;
}

/* One object: the newest sample when there is a new one, the empty object
 * while the container is not running (as dockerd publishes). */
static void
stream_push (struct stats_stream *ss)
{
  const struct st_info *info;
  const struct st_sample *cur, *prev;
  json_object *o = NULL;
  if (st_get (ss->d, ss->id, &info, &cur, &prev) == 0)
    {
      if (cur->read_nano != ss->last_read)
        o = st_sample_json (info, cur, prev);
      ss->last_read = cur->read_nano;
    }
  else
    o = st_empty_json (ss->id, ss->name);
  if (o)
    stream_append (ss, o);
  json_object_put (o);
}

static void
stream_wake (struct stats_stream *ss)
{
  if (ss->suspended)
    {
      ss->suspended = false;
      MHD_resume_connection (ss->conn);
      api_server_kick (ss->d->api);
    }
}

static void
on_tick (void *ctx)
{
  struct stats_stream *ss = ctx;
  if (store_container_exists (ss->d->store, ss->id) != 1)
    ss->ended = true; /* removed */
  else
    stream_push (ss);
  stream_wake (ss);
}

static ssize_t
stream_read (void *cls, uint64_t pos, char *buf, size_t max)
{
  struct stats_stream *ss = cls;
  (void) pos;
  size_t avail = ss->len - ss->off;
  if (avail > 0)
    {
      size_t n = avail < max ? avail : max;
      memcpy (buf, ss->buf + ss->off, n);
      ss->off += n;
      /* MHD hands out a few KiB at a time (its connection buffer) and, with
       * no new socket event, would only ask for the rest at its next run. */
      if (ss->off < ss->len)
        api_server_kick (ss->d->api);
      return (ssize_t) n;
    }
  if (ss->ended || ss->d->shutting_down)
    return MHD_CONTENT_READER_END_OF_STREAM;
  ss->suspended = true;
  MHD_suspend_connection (ss->conn);
  return 0;
}

static void
stream_free (void *cls)
{
  struct stats_stream *ss = cls;
  st_unlisten (ss->d, ss->listener);
  free (ss->name);
  free (ss->buf);
  free (ss);
}

static int
reply_stream (struct api_req *req, const struct store_container *c)
{
  struct stats_stream *ss = calloc (1, sizeof *ss);
  if (ss == NULL)
    return MHD_NO;
  ss->d = req->d;
  ss->conn = req->conn;
  memcpy (ss->id, c->id, sizeof ss->id);
  ss->name = strdup (c->name);
  ss->listener = st_listen (req->d, on_tick, ss);
  if (ss->listener == NULL || ss->name == NULL)
    {
      stream_free (ss);
      return MHD_NO;
    }
  stream_push (ss);
  struct MHD_Response *resp = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 32768,
                                                                 stream_read, ss, stream_free);
  if (resp == NULL)
    {
      stream_free (ss);
      return MHD_NO;
    }
  MHD_add_response_header (resp, "Content-Type", "application/json");
  return api_reply (req, 200, resp);
}

static int
h_stats (struct api_req *req)
{
  struct store_container c;
  struct cd_err err = { 0 };
  if (store_container_find (req->d->store, req->params[0], &c, &err) < 0)
    return api_reply_err (req, &err);
  bool stream = api_query_bool (req, "stream", true);
  int r;
  if (stream)
    r = reply_stream (req, &c);
  else
    r = api_reply_json (req, 200, sample_or_empty (req->d, c.id, c.name));
  store_container_clear (&c);
  return r;
}

static void
add_one (const struct st_info *info, const struct st_sample *cur, const struct st_sample *prev,
         void *ctx)
{
  json_object *o = st_sample_json (info, cur, prev);
  json_object_object_add (o, "state", json_object_new_string (info->state));
  json_object_array_add (ctx, o);
}

/* cdaemon extension: every running container's sample, one request. */
static int
h_all_stats (struct api_req *req)
{
  json_object *a = json_object_new_array ();
  st_each (req->d, add_one, a);
  return api_reply_json (req, 200, a);
}

const struct api_route api_stats_routes[] = {
  { "GET", "/containers/{}/stats", h_stats, false },
  { "GET", "/cdaemon/stats", h_all_stats, false },
  { NULL, NULL, NULL, false },
};
