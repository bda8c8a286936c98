/* runtime/user: who the container's process runs as. "cdaemon.user"
 * ("name|uid[:group|gid]") is resolved like Docker does, in the container's
 * own /etc/passwd and /etc/group, after pivot_root. */
#ifndef CD_RUNTIME_USER_H
#define CD_RUNTIME_USER_H

#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

struct rt_user
{
  uid_t uid;
  gid_t gid;
  gid_t *groups;                /* supplementary groups */
  size_t n_groups;
  char *home;                   /* from passwd, "/" when unknown */
};

/* Pure: resolves spec against passwd and group (either may be NULL: no
 * such file). extra gids (process.user.additionalGids) are appended.
 * Errors as Docker: "unable to find user bob: no matching entries in passwd
 * file". */
int rt_user_lookup (const char *spec, FILE *passwd, FILE *group, const gid_t *extra,
                    size_t n_extra, struct rt_user *u, struct cd_err *err);
/* In the container: cdaemon.user when set, else process.user (and HOME
 * looked up by uid). */
int rt_user_resolve (const struct rt_config *c, struct rt_user *u, struct cd_err *err);
/* setgroups, setresgid, setresuid. */
int rt_user_apply (const struct rt_user *u, struct cd_err *err);
void rt_user_free (struct rt_user *u);

#endif
