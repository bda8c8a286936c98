#include "daemon/events.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A subscriber holding more than this much unread output is ended: a stuck
 * client must not grow the daemon without bound. */
#define EV_SUB_MAX_PENDING (4u << 20)
/* Age retention runs once per this many events (and at start-up). */
#define EV_TRIM_EVERY 64

struct ev_sub
{
  struct ev_bus *bus;
  struct ev_sub *prev, *next;
  json_object *filters;
  int64_t until;
  char *buf;
  size_t len, off, cap;
  bool ended;
  ev_wake_fn wake;
  void *ctx;
};

/* An event emitted off the loop thread, waiting for the loop. */
struct ev_pending
{
  struct ev_pending *next;
  char *type, *action, *actor_id;
  json_object *attrs;
};

struct ev_bus
{
  struct cd_daemon *d;
  struct ev_sub *subs;
  pthread_t loop_thread;
  pthread_mutex_t lock;         /* pending */
  struct ev_pending *pending, **tail;
  uv_async_t async;
  bool async_open;
  unsigned emitted;
};

static void
trim_by_age (struct cd_daemon *d)
{
  if (d->cfg.events_max_age <= 0)
    return;
  struct cd_err err = { 0 };
  if (store_event_trim_before (d->store, cd_now_nano () - d->cfg.events_max_age * 1000000000,
                               &err) < 0)
    log_warn ("events: %s", err.msg);
}

static void
ev_drain (uv_async_t *a)
{
  struct ev_bus *b = a->data;
  pthread_mutex_lock (&b->lock);
  struct ev_pending *p = b->pending;
  b->pending = NULL;
  b->tail = &b->pending;
  pthread_mutex_unlock (&b->lock);
  while (p)
    {
      struct ev_pending *next = p->next;
      ev_emit (b->d, p->type, p->action, p->actor_id, p->attrs);
      json_object_put (p->attrs);
      free (p->type);
      free (p->action);
      free (p->actor_id);
      free (p);
      p = next;
    }
}

void
ev_emit_any (struct cd_daemon *d, const char *type, const char *action, const char *actor_id,
             json_object *attrs)
{
  struct ev_bus *b = d->events;
  if (b == NULL || !b->async_open || pthread_equal (pthread_self (), b->loop_thread))
    {
      ev_emit (d, type, action, actor_id, attrs);
      return;
    }
  struct ev_pending *p = calloc (1, sizeof *p);
  if (p == NULL)
    return;
  p->type = strdup (type);
  p->action = strdup (action);
  p->actor_id = strdup (actor_id);
  p->attrs = attrs ? json_object_get (attrs) : NULL;
  pthread_mutex_lock (&b->lock);
  *b->tail = p;
  b->tail = &p->next;
  pthread_mutex_unlock (&b->lock);
  uv_async_send (&b->async);
}

int
ev_bus_new (struct cd_daemon *d, struct ev_bus **out, struct cd_err *err)
{
  struct ev_bus *b = calloc (1, sizeof *b);
  if (b == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  b->d = d;
  b->loop_thread = pthread_self ();
  pthread_mutex_init (&b->lock, NULL);
  b->tail = &b->pending;
  if (d->loop && uv_async_init (d->loop, &b->async, ev_drain) == 0)
    {
      b->async.data = b;
      b->async_open = true;
      uv_unref ((uv_handle_t *) &b->async);
    }
  *out = b;
  trim_by_age (d);
  return 0;
}

void
ev_bus_free (struct ev_bus *bus)
{
  if (bus == NULL)
    return;
  while (bus->subs)
    ev_unsubscribe (bus->subs);
  if (bus->async_open)
    ev_drain (&bus->async); /* the handle itself is closed with the loop's */
  pthread_mutex_destroy (&bus->lock);
  free (bus);
}

static const char *
attr_string (json_object *attrs, const char *key)
{
  json_object *v;
  if (attrs && json_object_object_get_ex (attrs, key, &v))
    return json_object_get_string (v);
  return NULL;
}

/* One filter key: true when the key is absent or one of its values matches. */
static bool
filter_any (json_object *filters, const char *key, const char *const *cands, size_t n)
{
  json_object *set;
  if (filters == NULL || !json_object_object_get_ex (filters, key, &set))
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      for (size_t i = 0; i < n; i++)
        if (cands[i] && strcmp (cands[i], want) == 0)
          return true;
    }
  return false;
}

/* dockerd's FuzzyMatch: some value of the key is a prefix of a candidate
 * (short IDs, name prefixes); true when the key is absent. */
static bool
filter_prefix (json_object *filters, const char *key, const char *const *cands, size_t n)
{
  json_object *set;
  if (filters == NULL || !json_object_object_get_ex (filters, key, &set))
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      for (size_t i = 0; i < n; i++)
        if (cands[i] && *want && strncmp (cands[i], want, strlen (want)) == 0)
          return true;
    }
  return false;
}

/* The filters that name an actor of one type (container=, volume=,
 * network=, daemon=): the event must be of that type and match by ID or
 * name prefix. */
static bool
actor_match (json_object *filters, const char *key, const char *type, const char *want_type,
             const char *const *actor)
{
  json_object *dummy;
  if (filters == NULL || !json_object_object_get_ex (filters, key, &dummy))
    return true;
  return strcmp (type, want_type) == 0 && filter_prefix (filters, key, actor, 2);
}

static bool
label_match (json_object *filters, json_object *attrs)
{
  json_object *set;
  if (filters == NULL || !json_object_object_get_ex (filters, "label", &set))
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      const char *eq = strchr (want, '=');
      size_t klen = eq ? (size_t) (eq - want) : strlen (want);
      char key[256];
      if (klen >= sizeof key)
        continue;
      memcpy (key, want, klen);
      key[klen] = '\0';
      const char *have = attr_string (attrs, key);
      if (have == NULL || (eq && strcmp (have, eq + 1) != 0))
        return false;
    }
  return true;
}

int
ev_filter_match (json_object *filters, const char *type, const char *action,
                 const char *actor_id, json_object *attrs)
{
  const char *name = attr_string (attrs, "name");
  const char *image = attr_string (attrs, "image");
  /* "exec_start: sh" matches event=exec_start, as Docker does. */
  char base_action[64];
  size_t alen = strcspn (action, ":");
  snprintf (base_action, sizeof base_action, "%.*s", (int) alen, action);
  const char *types[] = { type };
  const char *actions[] = { action, base_action };
  const char *actor[] = { actor_id, name };
  const char *img[] = { actor_id, image, name };
  bool is_ctr = strcmp (type, "container") == 0;
  bool is_img = strcmp (type, "image") == 0;
  const char *scopes[] = { "local" };
  json_object *dummy;
  if (!filter_any (filters, "type", types, 1) || !filter_any (filters, "event", actions, 2)
      || !filter_any (filters, "scope", scopes, 1) || !label_match (filters, attrs))
    return 0;
  if (!actor_match (filters, "container", type, "container", actor)
      || !actor_match (filters, "volume", type, "volume", actor)
      || !actor_match (filters, "network", type, "network", actor)
      || !actor_match (filters, "daemon", type, "daemon", actor))
    return 0;
  if (filters && json_object_object_get_ex (filters, "image", &dummy)
      && !((is_ctr || is_img) && filter_any (filters, "image", img, is_ctr ? 2 : 3)))
    return 0;
  return 1;
}

char *
ev_encode (int64_t time_nano, const char *type, const char *action, const char *actor_id,
           json_object *attrs, const char *scope)
{
  json_object *o = json_object_new_object ();
  json_object *a = attrs ? json_object_get (attrs) : json_object_new_object ();
  bool legacy = strcmp (type, "container") == 0 || strcmp (type, "image") == 0;
  if (legacy)
    {
      /* The pre-1.22 fields the docker CLI still reads for containers and images. */
      json_object_object_add (o, "status", json_object_new_string (action));
      json_object_object_add (o, "id", json_object_new_string (actor_id));
      const char *from = attr_string (attrs, "image");
      if (from && strcmp (type, "container") == 0)
        json_object_object_add (o, "from", json_object_new_string (from));
    }
  json_object_object_add (o, "Type", json_object_new_string (type));
  json_object_object_add (o, "Action", json_object_new_string (action));
  json_object *actor = json_object_new_object ();
  json_object_object_add (actor, "ID", json_object_new_string (actor_id));
  json_object_object_add (actor, "Attributes", a);
  json_object_object_add (o, "Actor", actor);
  json_object_object_add (o, "scope", json_object_new_string (scope ? scope : "local"));
  json_object_object_add (o, "time", json_object_new_int64 (time_nano / 1000000000));
  json_object_object_add (o, "timeNano", json_object_new_int64 (time_nano));
  char *s = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
  json_object_put (o);
  return s;
}

static void
sub_append (struct ev_sub *s, const char *line)
{
  size_t n = strlen (line);
  if (s->ended)
    return;
  if (s->len - s->off + n + 1 > EV_SUB_MAX_PENDING)
    {
      log_warn ("events: dropping a subscriber that stopped reading");
      s->ended = true;
      return;
    }
  if (s->off > 0 && s->off == s->len)
    s->off = s->len = 0;
  if (s->len + n + 1 > s->cap)
    {
      size_t cap = (s->len + n + 1) * 2;
      char *nb = realloc (s->buf, cap);
      if (nb == NULL)
        {
          s->ended = true;
          return;
        }
      s->buf = nb;
      s->cap = cap;
    }
  memcpy (s->buf + s->len, line, n);
  s->buf[s->len + n] = '\n';
  s->len += n + 1;
}

void
ev_emit (struct cd_daemon *d, const char *type, const char *action, const char *actor_id,
         json_object *attrs)
{
  int64_t now = cd_now_nano ();
  const char *attrs_json = attrs ? json_object_to_json_string_ext (attrs, JSON_C_TO_STRING_PLAIN)
                                 : "{}";
  struct store_event ev = { .time_nano = now, .type = type, .action = action,
                            .actor_id = actor_id, .attributes_json = attrs_json };
  struct cd_err err = { 0 };
  if (store_event_add (d->store, &ev, d->cfg.events_max_count, &err) < 0)
    log_warn ("events: %s", err.msg);
  if (d->events && ++d->events->emitted % EV_TRIM_EVERY == 0)
    trim_by_age (d);
  if (d->events == NULL || d->events->subs == NULL)
    return;
  char *line = ev_encode (now, type, action, actor_id, attrs, "local");
  if (line == NULL)
    return;
  for (struct ev_sub *s = d->events->subs, *next; s; s = next)
    {
      next = s->next;
      if (s->until >= 0 && now > s->until)
        continue;
      if (!ev_filter_match (s->filters, type, action, actor_id, attrs))
        continue;
      sub_append (s, line);
      s->wake (s, s->ctx);
    }
  free (line);
}

static int
replay_one (const struct store_event *ev, void *ctx)
{
  struct ev_sub *s = ctx;
  json_object *attrs = json_tokener_parse (ev->attributes_json);
  if (ev_filter_match (s->filters, ev->type, ev->action, ev->actor_id, attrs))
    {
      char *line = ev_encode (ev->time_nano, ev->type, ev->action, ev->actor_id, attrs,
                              ev->scope);
      if (line)
        sub_append (s, line);
      free (line);
    }
  json_object_put (attrs);
  return 0;
}

int
ev_subscribe (struct cd_daemon *d, json_object *filters, int64_t since, int64_t until,
              ev_wake_fn wake, void *ctx, struct ev_sub **out, struct cd_err *err)
{
  struct ev_sub *s = calloc (1, sizeof *s);
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  s->bus = d->events;
  s->filters = filters ? json_object_get (filters) : NULL;
  s->until = until;
  s->wake = wake;
  s->ctx = ctx;
  if (since >= 0)
    {
      int r = store_event_each (d->store, since, until, replay_one, s, err);
      if (r < 0)
        {
          json_object_put (s->filters);
          free (s->buf);
          free (s);
          return r;
        }
    }
  if (until >= 0 && until <= cd_now_nano ())
    s->ended = true; /* history only */
  s->next = d->events->subs;
  if (s->next)
    s->next->prev = s;
  d->events->subs = s;
  *out = s;
  return 0;
}

ssize_t
ev_sub_read (struct ev_sub *s, char *buf, size_t max)
{
  size_t avail = s->len - s->off;
  if (avail == 0)
    {
      if (s->ended || (s->until >= 0 && cd_now_nano () > s->until))
        return -1;
      return 0;
    }
  size_t n = avail < max ? avail : max;
  memcpy (buf, s->buf + s->off, n);
  s->off += n;
  return (ssize_t) n;
}

void
ev_unsubscribe (struct ev_sub *s)
{
  if (s == NULL)
    return;
  if (s->prev)
    s->prev->next = s->next;
  else
    s->bus->subs = s->next;
  if (s->next)
    s->next->prev = s->prev;
  json_object_put (s->filters);
  free (s->buf);
  free (s);
}

void
ev_bus_close_all (struct ev_bus *bus)
{
  for (struct ev_sub *s = bus->subs, *next; s; s = next)
    {
      next = s->next;
      s->ended = true;
      s->wake (s, s->ctx);
    }
}
