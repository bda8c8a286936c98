#include "daemon/ctr_lock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/containers.h"

struct held
{
  char id[65];
  struct held *next;
};

struct ctr_locks
{
  pthread_mutex_t mu;
  pthread_cond_t cond;
  struct held *held; /* a handful at most: the operations in flight */
};

int
ctr_locks_new (struct ctr_locks **out, struct cd_err *err)
{
  struct ctr_locks *l = calloc (1, sizeof *l);
  if (l == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  pthread_mutex_init (&l->mu, NULL);
  pthread_cond_init (&l->cond, NULL);
  *out = l;
  return 0;
}

void
ctr_locks_free (struct ctr_locks *l)
{
  if (l == NULL)
    return;
  while (l->held)
    {
      struct held *h = l->held;
      l->held = h->next;
      free (h);
    }
  pthread_cond_destroy (&l->cond);
  pthread_mutex_destroy (&l->mu);
  free (l);
}

static bool
is_held (struct ctr_locks *l, const char *id)
{
  for (struct held *h = l->held; h; h = h->next)
    if (strcmp (h->id, id) == 0)
      return true;
  return false;
}

void
ctr_lock (struct cd_daemon *d, const char *id)
{
  struct ctr_locks *l = d->locks;
  struct held *h = calloc (1, sizeof *h);
  pthread_mutex_lock (&l->mu);
  while (is_held (l, id))
    pthread_cond_wait (&l->cond, &l->mu);
  if (h)
    {
      /* without memory, run unserialised rather than fail the operation */
      snprintf (h->id, sizeof h->id, "%s", id);
      h->next = l->held;
      l->held = h;
    }
  pthread_mutex_unlock (&l->mu);
}

void
ctr_unlock (struct cd_daemon *d, const char *id)
{
  struct ctr_locks *l = d->locks;
  pthread_mutex_lock (&l->mu);
  for (struct held **pp = &l->held; *pp; pp = &(*pp)->next)
    if (strcmp ((*pp)->id, id) == 0)
      {
        struct held *h = *pp;
        *pp = h->next;
        free (h);
        break;
      }
  pthread_cond_broadcast (&l->cond);
  pthread_mutex_unlock (&l->mu);
}

int
ctr_lock_ref (struct cd_daemon *d, const char *ref, char id[65], struct cd_err *err)
{
  struct store_container c;
  int r = store_container_find (d->store, ref, &c, err);
  if (r < 0)
    return r;
  memcpy (id, c.id, 65);
  store_container_clear (&c);
  ctr_lock (d, id);
  return 0;
}
