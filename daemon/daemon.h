/* The daemon context: the one struct passed down to everything that runs in
 * cdaemon. No other mutable global state. */
#ifndef CD_DAEMON_H
#define CD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "daemon/config.h"
#include "store/store.h"

struct api_server;
struct ev_bus;
struct img_store;
struct ctr_runstate;
struct ctr_followers;
struct ctr_locks;
struct ctr_orphans;
struct ctr_execs;
struct ctr_attaches;
struct st_sampler;
struct ctr_list_cache;
struct api_metrics;

#define CD_VERSION "0.1.0"
#define CD_API_VERSION "1.41"
#define CD_API_MIN_VERSION "1.24"

struct cd_daemon
{
  struct cd_config cfg;
  uv_loop_t *loop;
  struct cd_store *store;
  struct api_server *api;
  struct ev_bus *events;
  struct img_store *images;
  struct ctr_runstate *run;     /* watches of running containers, waiters */
  struct ctr_followers *followers; /* logs readers following a container */
  struct ctr_locks *locks;      /* per-container serialisation (ctr_lock.h) */
  struct ctr_orphans *orphans;  /* start-up: monitors without a row, to end */
  struct ctr_execs *execs;      /* exec instances (daemon/exec.h) */
  struct ctr_attaches *attaches; /* attaches waiting for a start (daemon/ctr_attach.h) */
  struct st_sampler *stats;     /* the stats sampler (daemon/stats.h) */
  struct api_metrics *api_metrics; /* request counters (api/metrics.h) */
  struct ctr_list_cache *list_cache; /* recent GET /containers/json answers */
  int lock_fd;
  char id[65];           /* persistent engine ID shown in /info */
  int64_t started_nano;
  bool shutting_down;
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_timer_t shutdown_timer;   /* deadline for in-flight requests */
  uv_timer_t shutdown_poll;    /* checks whether they are done */
  bool notify;           /* NOTIFY_SOCKET present */
};

int64_t cd_now_nano (void);

#endif
