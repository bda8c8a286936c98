/* runtime/child: the container's init between clone and execve. */
#ifndef CD_RUNTIME_CHILD_H
#define CD_RUNTIME_CHILD_H

#include <stdint.h>

#include "config.h"
#include "mounts.h"
#include "namespaces.h"
#include "runtime.h"
#include "seccomp.h"

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
  rt_seccomp_t seccomp;         /* compiled linux.seccomp, NULL: none */
  bool pty;                     /* open the terminal in the container (rt_start_opts.pty_master) */
};

struct rt_user;
/* Opens a pty of the devpts at /dev/pts (in the container), sends its master
 * over sock (SCM_RIGHTS, one byte 'p') and returns the slave. */
int rt_pty_open_send (int sock, unsigned short rows, unsigned short cols, int *slave,
                      struct cd_err *err);
/* The first byte of a child's report: 2 when it carried a pty master (in
 * *master), 1 for a plain byte, 0 at EOF, -1 on error. */
int rt_pty_recv_first (int fd, char *byte, int *master);
/* Seccomp, capabilities, user and no_new_privs from c, for u (the init and exec). */
int rt_child_become (const struct rt_config *c, const struct rt_user *u, rt_seccomp_t seccomp,
                     struct cd_err *err);

/* Never returns: execve or _exit. */
__attribute__ ((noreturn)) void rt_child_run (const struct rt_child *ch);

#endif
