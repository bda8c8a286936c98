/* Running containers: start through cdmon, watch its control socket, record
 * exits, stop/kill/wait, restart policies. */
#ifndef CD_CTR_RUN_H
#define CD_CTR_RUN_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

/* Blocking (thread pool): writes the bundle, spawns cdmon, waits for its
 * start result and records it. -EALREADY when already running. On a start
 * failure the container stays "created" with State.Error and ExitCode set;
 * *exit_code gets 125/126/127. */
int ctr_start_sync (struct cd_daemon *d, const char *id, int *exit_code, struct cd_err *err);
/* Writes the container's hostname, hosts and resolv.conf (at each start). */
int ctr_write_files (struct cd_daemon *d, const char *id, const char *hostname,
                     struct cd_err *err);
/* Blocking: the start a restart policy asked for, done only when the
 * container is still "restarting" and no user stop came in between;
 * -EALREADY otherwise. */
int ctr_start_for_policy (struct cd_daemon *d, const char *id, int *exit_code,
                          struct cd_err *err);
/* Loop thread, after a successful start: watch the monitor, emit "start". */
void ctr_started (struct cd_daemon *d, const char *id);

/* Blocking (thread pool): stop with signal then SIGKILL after timeout seconds
 * (timeout < 0: the container's StopTimeout or 10). -EALREADY when not running. */
int ctr_stop_sync (struct cd_daemon *d, const char *id, int timeout, struct cd_err *err);
/* Sends a signal (name or number). -EINVAL bad signal, -EBUSY not running (409). */
int ctr_kill_sync (struct cd_daemon *d, const char *id, const char *signal, struct cd_err *err);

/* Loop thread: called when a container's exit is known; records it once. */
void ctr_exited (struct cd_daemon *d, const char *id);

/* Wait conditions. */
enum ctr_wait_cond
{
  CTR_WAIT_NOT_RUNNING,
  CTR_WAIT_NEXT_EXIT,
  CTR_WAIT_REMOVED,
};
typedef void (*ctr_wait_fn) (void *ctx, int status_code, const char *error);
/* Loop thread. Returns a handle to cancel (client gone) or NULL when the
 * callback already ran. */
void *ctr_wait (struct cd_daemon *d, const char *id, enum ctr_wait_cond cond, ctr_wait_fn fn,
                void *ctx);
void ctr_wait_cancel (struct cd_daemon *d, void *handle);
/* Loop thread: wakes CTR_WAIT_REMOVED waiters. */
void ctr_removed (struct cd_daemon *d, const char *id, int exit_code);

/* Start-up (ctr_reconcile.c), on the loop before the first request: reattach
 * to live monitors (also of a start the daemon did not live to record),
 * record exits that happened while the daemon was down, start "always"
 * containers, and remove what no row owns: container layers and
 * directories, bundles, monitors. */
void ctr_restore (struct cd_daemon *d);
/* Thread pool, after start-up: the part of the clean-up that waits (monitors
 * of containers that have no row are killed, then their bundles removed). */
void ctr_restore_background (struct cd_daemon *d);
void ctr_restore_fini (struct cd_daemon *d);

/* Loop thread: follow the monitor's control socket (once per container). */
void ctr_watch_start (struct cd_daemon *d, const char *id);
/* Loop thread: start again after Docker's back-off for the count-th restart. */
void ctr_restart_schedule (struct cd_daemon *d, const char *id, int count);
/* Whether monitor.pid names a live (not zombie) cdmon. */
bool ctr_monitor_alive (struct cd_daemon *d, const char *id);
/* Shutdown, after the loop is closed: free the watches (the monitors and
 * containers keep running). */
void ctr_run_fini (struct cd_daemon *d);

/* A connectable path for the monitor's ctl.sock: the real one, or when that
 * is too long for sun_path, /proc/self/fd/N/ctl.sock through *dirfd (an
 * O_PATH fd to close after connect). Returns 0 or -errno. */
int ctr_ctl_path (struct cd_daemon *d, const char *id, char *buf, size_t len, int *dirfd);

/* Parses "20m", "1k", "300" into bytes; -1 when invalid. */
long long ctr_parse_size (const char *s);
/* "SIGTERM", "TERM", "15" -> 15; -1 when unknown. */
int ctr_parse_signal (const char *s);

#endif
