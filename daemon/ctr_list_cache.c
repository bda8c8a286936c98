#include "daemon/ctr_list_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/containers.h"
#include "store/store.h"

#define SLOTS 4

struct ctr_list_cache
{
  pthread_mutex_t lock;
  struct
  {
    char *key, *body;
    uint64_t gen;
    time_t sec;
  } slot[SLOTS];
  unsigned next;
};

static struct ctr_list_cache *
cache_of (struct cd_daemon *d)
{
  /* made on the loop thread, where the list is answered, before any use */
  if (d->list_cache == NULL && (d->list_cache = calloc (1, sizeof *d->list_cache)) != NULL)
    pthread_mutex_init (&d->list_cache->lock, NULL);
  return d->list_cache;
}

static char *
lookup (struct ctr_list_cache *c, const char *key, uint64_t gen, time_t sec)
{
  char *hit = NULL;
  pthread_mutex_lock (&c->lock);
  for (int i = 0; i < SLOTS && hit == NULL; i++)
    if (c->slot[i].key && c->slot[i].gen == gen && c->slot[i].sec == sec
        && strcmp (c->slot[i].key, key) == 0)
      hit = strdup (c->slot[i].body);
  pthread_mutex_unlock (&c->lock);
  return hit;
}

static void
remember (struct ctr_list_cache *c, const char *key, const char *body, uint64_t gen, time_t sec)
{
  char *k = strdup (key), *b = strdup (body);
  if (k == NULL || b == NULL)
    {
      free (k);
      free (b);
      return;
    }
  pthread_mutex_lock (&c->lock);
  unsigned i = c->next++ % SLOTS;
  free (c->slot[i].key);
  free (c->slot[i].body);
  c->slot[i].key = k;
  c->slot[i].body = b;
  c->slot[i].gen = gen;
  c->slot[i].sec = sec;
  pthread_mutex_unlock (&c->lock);
}

int
ctr_list_text (struct cd_daemon *d, bool all, int64_t limit, json_object *filters, char **body,
               struct cd_err *err)
{
  /* ancestor filters depend on the images too: never cached */
  bool cacheable = filters == NULL || !json_object_object_get_ex (filters, "ancestor", NULL);
  struct ctr_list_cache *c = cacheable ? cache_of (d) : NULL;
  char *key = NULL;
  uint64_t gen = store_containers_generation (d->store);
  time_t sec = time (NULL);
  if (c && asprintf (&key, "%d|%lld|%s", all, (long long) limit,
                     filters ? json_object_to_json_string_ext (filters, JSON_C_TO_STRING_PLAIN)
                             : "") < 0)
    key = NULL;
  if (key && (*body = lookup (c, key, gen, sec)) != NULL)
    {
      free (key);
      return 0;
    }
  json_object *out;
  int r = ctr_list_json (d, all, limit, filters, &out, err);
  if (r < 0)
    {
      free (key);
      return r;
    }
  /* as api_reply_json writes it */
  if (asprintf (body, "%s\n", json_object_to_json_string_ext (out, JSON_C_TO_STRING_PLAIN
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE))
      < 0)
    *body = NULL;
  json_object_put (out);
  /* kept only when nothing changed while it was built */
  if (key && *body && store_containers_generation (d->store) == gen && time (NULL) == sec)
    remember (c, key, *body, gen, sec);
  free (key);
  return *body ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

void
ctr_list_cache_free (struct cd_daemon *d)
{
  struct ctr_list_cache *c = d->list_cache;
  if (c == NULL)
    return;
  for (int i = 0; i < SLOTS; i++)
    {
      free (c->slot[i].key);
      free (c->slot[i].body);
    }
  pthread_mutex_destroy (&c->lock);
  free (c);
  d->list_cache = NULL;
}
