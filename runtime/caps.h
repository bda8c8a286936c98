/* runtime/caps: capabilities with the raw syscalls (no libcap). */
#ifndef CD_RUNTIME_CAPS_H
#define CD_RUNTIME_CAPS_H

#include <stdint.h>

#include "config.h"
#include "err.h"

/* Highest capability the kernel knows (/proc/sys/kernel/cap_last_cap). */
int rt_cap_last (void);
/* In the caller: every effective/permitted/inheritable/ambient capability
 * must be in our own bounding set (this host lacks CAP_SYS_RESOURCE, say). */
int rt_caps_check (const struct rt_caps *c, struct cd_err *err);
/* In the child, as root, before switching user: drops the bounding set to
 * c->bounding and sets PR_SET_KEEPCAPS so the permitted set survives setuid. */
int rt_caps_prepare (const struct rt_caps *c, struct cd_err *err);
/* After switching user: clears KEEPCAPS, sets effective/permitted/inheritable
 * with capset(2), then the ambient set. */
int rt_caps_apply (const struct rt_caps *c, struct cd_err *err);

#endif
