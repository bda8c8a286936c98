/* cdaemon: parse the configuration, bring the daemon up, run the loop, shut
 * down gracefully on SIGTERM/SIGINT, reload the log level on SIGHUP. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "api/server.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/lifecycle.h"
#include "log.h"

#define SHUTDOWN_POLL_MS 50

static void
finish_shutdown (struct cd_daemon *d)
{
  uv_timer_stop (&d->shutdown_timer);
  uv_timer_stop (&d->shutdown_poll);
  api_server_stop (d->api);
  d->api = NULL;
  uv_stop (d->loop);
}

static void
on_shutdown_tick (uv_timer_t *t)
{
  struct cd_daemon *d = t->data;
  if (api_server_inflight (d->api) == 0)
    finish_shutdown (d);
}

static void
on_shutdown_deadline (uv_timer_t *t)
{
  struct cd_daemon *d = t->data;
  log_warn ("shutdown: %u requests still running after %ds, closing them",
            api_server_inflight (d->api), d->cfg.shutdown_timeout);
  finish_shutdown (d);
}

static void
begin_shutdown (struct cd_daemon *d, int signum)
{
  if (d->shutting_down)
    {
      log_warn ("second signal %d: stopping now", signum);
      finish_shutdown (d);
      return;
    }
  d->shutting_down = true;
  log_info ("signal %d: shutting down", signum);
  if (d->notify)
    sd_notify (0, "STOPPING=1\nSTATUS=Shutting down");
  /* Stop accepting, end event streams, then let in-flight requests finish. */
  api_server_quiesce (d->api);
  ev_bus_close_all (d->events);
  uv_timer_start (&d->shutdown_poll, on_shutdown_tick, 0, SHUTDOWN_POLL_MS);
  uv_timer_start (&d->shutdown_timer, on_shutdown_deadline,
                  (uint64_t) d->cfg.shutdown_timeout * 1000, 0);
}

static void
on_signal (uv_signal_t *s, int signum)
{
  struct cd_daemon *d = s->data;
  if (signum != SIGHUP)
    {
      begin_shutdown (d, signum);
      return;
    }
  struct cd_err err = { 0 };
  if (cd_config_reload_log_level (&d->cfg, &err) < 0)
    {
      log_error ("reload: %s", err.msg);
      return;
    }
  cd_log_set_level (d->cfg.log_level);
  log_info ("reload: log level is %s", cd_log_level_name (d->cfg.log_level));
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "log-level",
                          json_object_new_string (cd_log_level_name (d->cfg.log_level)));
  ev_emit (d, "daemon", "reload", d->id, attrs);
  json_object_put (attrs);
}

static void
close_walk (uv_handle_t *h, void *arg)
{
  (void) arg;
  if (!uv_is_closing (h))
    uv_close (h, NULL);
}

static void
setup_signals (struct cd_daemon *d)
{
  signal (SIGPIPE, SIG_IGN);
  uv_signal_t *sigs[] = { &d->sig_term, &d->sig_int, &d->sig_hup };
  int nums[] = { SIGTERM, SIGINT, SIGHUP };
  for (int i = 0; i < 3; i++)
    {
      uv_signal_init (d->loop, sigs[i]);
      sigs[i]->data = d;
      uv_signal_start (sigs[i], on_signal, nums[i]);
      uv_unref ((uv_handle_t *) sigs[i]);
    }
  uv_timer_init (d->loop, &d->shutdown_timer);
  uv_timer_init (d->loop, &d->shutdown_poll);
  d->shutdown_timer.data = d;
  d->shutdown_poll.data = d;
}

int
main (int argc, char **argv)
{
  struct cd_daemon d;
  memset (&d, 0, sizeof d);
  struct cd_err err = { 0 };
  int r = cd_config_load (&d.cfg, argc, argv, &err);
  if (r != 0)
    {
      if (r < 0)
        fprintf (stderr, "cdaemon: %s\n", err.msg);
      cd_config_free (&d.cfg);
      return r < 0 ? 1 : 0;
    }
  cd_log_set_level (d.cfg.log_level);
  uv_loop_t *loop = uv_default_loop ();
  if (cd_daemon_init (&d, loop, &err) < 0)
    goto fail;
  setup_signals (&d);
  if (cd_daemon_serve (&d, &err) < 0)
    goto fail;
  uv_run (loop, UV_RUN_DEFAULT);
  uv_walk (loop, close_walk, NULL);
  uv_run (loop, UV_RUN_DEFAULT);
  uv_loop_close (loop);
  cd_daemon_fini (&d);
  log_info ("stopped");
  cd_config_free (&d.cfg);
  return 0;
fail:
  fprintf (stderr, "cdaemon: %s\n", err.msg);
  if (d.notify)
    sd_notifyf (0, "STATUS=Failed: %s", err.msg);
  cd_daemon_fini (&d);
  cd_config_free (&d.cfg);
  return 1;
}
