/* runtime/: runs one container from an OCI runtime-spec bundle
 * (<bundle>/config.json). Knows no database and no HTTP; used by cdmon.
 *
 * The subset of config.json understood (others are ignored):
 *   ociVersion, hostname, root.path, root.readonly,
 *   process.{args, env, cwd, terminal, user.{uid,gid,additionalGids},
 *            capabilities.{bounding,effective,permitted,inheritable,ambient},
 *            rlimits[{type,hard,soft}], noNewPrivileges, oomScoreAdj}
 *   mounts[{destination, type, source, options}]   (bind, rbind, tmpfs, proc,
 *            sysfs, devpts, mqueue, cgroup, overlay; options as in runc)
 *   linux.{namespaces[{type, path}], maskedPaths, readonlyPaths, devices,
 *          cgroupsPath, sysctl, resources (later), rootfsPropagation,
 *          seccomp{defaultAction, defaultErrnoRet, architectures,
 *                  syscalls[{names, action, errnoRet, args}]} (runtime/seccomp.h)}
 *   annotations (cdaemon extensions):
 *     "cdaemon.overlay.lowerdir", "cdaemon.overlay.upperdir",
 *     "cdaemon.overlay.workdir": when present, the runtime mounts overlayfs at
 *        root.path inside the container's own mount namespace (so nothing is
 *        left mounted on the host if everything dies);
 *     "cdaemon.user": "name|uid[:group|gid]" resolved in the container's
 *        /etc/passwd and /etc/group after pivot_root (supplementary groups
 *        from /etc/group), overriding process.user;
 *     "cdaemon.mkcwd": "1" creates process.cwd when missing.
 */
#ifndef CD_RUNTIME_H
#define CD_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* The three fds the container's init gets as 0, 1, 2 (-1: /dev/null). With a
 * terminal, pass the pty slave as all three. */
struct rt_stdio
{
  int in, out, err;
};

struct rt_start_opts
{
  const char *bundle;   /* directory holding config.json */
  const char *id;       /* container ID (for messages and the cgroup leaf) */
  struct rt_stdio stdio;
  const char *seccomp_cache; /* NULL or a directory for compiled seccomp filters */
  /* Non-NULL with process.terminal: the init's terminal is a pty of the
   * container's own devpts (`tty` says /dev/pts/0, bound on /dev/console);
   * its master comes back here and stdio is ignored. */
  int *pty_master;
};

/* Exit codes Docker uses when the process could not be started. */
#define RT_EXIT_DAEMON_ERROR 125
#define RT_EXIT_CANNOT_EXEC 126
#define RT_EXIT_NOT_FOUND 127

/* Starts the container's init as a child of the caller and returns once it
 * has called execve successfully: *pid is its pid in the caller's namespace.
 * On failure nothing is left running and *exit_code says what Docker reports:
 * 127 with "exec: \"foo\": executable file not found in $PATH", 126 with
 * "exec: \"/etc\": permission denied", 125 for any other error (the message
 * names the step: "mount `proc` on `/proc`: Operation not permitted"). */
int rt_start (const struct rt_start_opts *o, pid_t *pid, int *exit_code, struct cd_err *err);

/* Removes what rt_start created outside the container once its init has been
 * reaped: the cgroup directories of linux.cgroupsPath. Missing is not an error. */
int rt_cleanup (const char *bundle, struct cd_err *err);

#endif
