/* Attach connections handed to a container's monitor (monitor/attach.h):
 * at once when it runs (SCM_RIGHTS over attach.sock), else kept until its
 * next start, which passes them to cdmon so they miss no output. Also the
 * container's resize through ctl.sock. Thread-safe (the start runs on the
 * thread pool). */
#ifndef CD_DAEMON_CTR_ATTACH_H
#define CD_DAEMON_CTR_ATTACH_H

#include "daemon/daemon.h"

/* Takes fd (closed in every case). spec: "FLAGS:KEYS" (monitor/attach.h). */
int ctr_attach_hand (struct cd_daemon *d, const char *id, bool running, int fd,
                     const char *spec, struct cd_err *err);
/* The start's side: moves up to max pending connections of id into fds and
 * specs (malloc'd strings); returns how many. */
int ctr_attach_take (struct cd_daemon *d, const char *id, int *fds, char **specs, int max);
void ctr_attach_fini (struct cd_daemon *d);

/* POST /containers/{id}/resize: 400 out of 1..65535, 409 not running or no tty. */
int ctr_resize (struct cd_daemon *d, const char *id, long h, long w, struct cd_err *err);

#endif
