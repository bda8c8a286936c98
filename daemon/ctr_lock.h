/* One operation at a time per container: start, stop and remove of the same
 * container are serialised (a start racing `rm -f` could otherwise leave a
 * running container without a row). Other containers are never held up. */
#ifndef CD_CTR_LOCK_H
#define CD_CTR_LOCK_H

#include "daemon/daemon.h"

int ctr_locks_new (struct ctr_locks **out, struct cd_err *err);
void ctr_locks_free (struct ctr_locks *l);
/* Blocks until no other thread holds id (a full 64-hex ID). */
void ctr_lock (struct cd_daemon *d, const char *id);
void ctr_unlock (struct cd_daemon *d, const char *id);
/* Resolves ref (ID, name or prefix) into id and locks it. The holder reads
 * the container again: it may have changed while we waited. */
int ctr_lock_ref (struct cd_daemon *d, const char *ref, char id[65], struct cd_err *err);

#endif
