/* runtime/child: the container's init between clone and execve. */
#ifndef CD_RUNTIME_CHILD_H
#define CD_RUNTIME_CHILD_H

#include <stdint.h>

#include "config.h"
#include "mounts.h"
#include "namespaces.h"
#include "runtime.h"

/* What the child sends back over the sync socket when it cannot exec. A
 * successful execve closes the socket (O_CLOEXEC): the parent reads EOF. */
struct rt_child_error
{
  int32_t exit_code;
  int32_t err_no;
  char msg[CD_ERR_MSG_MAX];
};

struct rt_child
{
  const struct rt_config *c;
  const struct rt_mount_plan *plan;
  const struct rt_ns_joins *joins;
  const struct rt_stdio *stdio;
  int sync_fd;                  /* child end: one "go" byte in, error record out */
};

struct rt_user;
/* Capabilities, user and no_new_privs from c, for u (the init and exec). */
int rt_child_become (const struct rt_config *c, const struct rt_user *u, struct cd_err *err);

/* Never returns: execve or _exit. */
__attribute__ ((noreturn)) void rt_child_run (const struct rt_child *ch);

#endif
