/* Bringing the daemon up and down: root and exec-root, the root lock, the
 * store, the API server, signals, sd_notify. */
#ifndef CD_LIFECYCLE_H
#define CD_LIFECYCLE_H

#include "daemon/daemon.h"

/* Prepares directories, the lock and the store. On failure everything this
 * call created is removed again. */
int cd_daemon_init (struct cd_daemon *d, uv_loop_t *loop, struct cd_err *err);
/* Starts serving; READY=1 is sent once the API answers. */
int cd_daemon_serve (struct cd_daemon *d, struct cd_err *err);
/* Frees what init and serve made (after the loop has stopped). */
void cd_daemon_fini (struct cd_daemon *d);

#endif
