/* User and groups of the container process (Docker's rules: a numeric user
 * missing from passwd is fine, a name is not; supplementary groups are the
 * groups listing the user, unless a group was given explicitly). */
#include "user.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

static bool
parse_id (const char *s, unsigned long *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return false;
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *end || v >= UINT32_MAX)
    return false;
  *out = v;
  return true;
}

/* Finds the passwd entry for name or numeric id; copies what we keep. */
static bool
find_passwd (FILE *f, const char *name, bool numeric, unsigned long id, uid_t *uid, gid_t *gid,
             char **user_name, char **home)
{
  struct passwd pw, *res;
  char buf[4096];
  if (f == NULL)
    return false;
  rewind (f);
  while (fgetpwent_r (f, &pw, buf, sizeof buf, &res) == 0)
    {
      if (!(numeric ? pw.pw_uid == id : strcmp (pw.pw_name, name) == 0))
        continue;
      *uid = pw.pw_uid;
      *gid = pw.pw_gid;
      *user_name = strdup (pw.pw_name);
      *home = strdup (pw.pw_dir);
      return true;
    }
  return false;
}

static bool
find_group (FILE *f, const char *name, bool numeric, unsigned long id, gid_t *gid)
{
  struct group gr, *res;
  char buf[8192];
  if (f == NULL)
    return false;
  rewind (f);
  while (fgetgrent_r (f, &gr, buf, sizeof buf, &res) == 0)
    if (numeric ? gr.gr_gid == id : strcmp (gr.gr_name, name) == 0)
      {
        *gid = gr.gr_gid;
        return true;
      }
  return false;
}

static int
add_gid (struct rt_user *u, gid_t g)
{
  for (size_t i = 0; i < u->n_groups; i++)
    if (u->groups[i] == g)
      return 0;
  gid_t *n = realloc (u->groups, (u->n_groups + 1) * sizeof *n);
  if (n == NULL)
    return -ENOMEM;
  u->groups = n;
  u->groups[u->n_groups++] = g;
  return 0;
}

static int
member_groups (FILE *f, const char *user, struct rt_user *u)
{
  struct group gr, *res;
  char buf[8192];
  if (f == NULL || user == NULL)
    return 0;
  rewind (f);
  while (fgetgrent_r (f, &gr, buf, sizeof buf, &res) == 0)
    for (char **m = gr.gr_mem; m && *m; m++)
      if (strcmp (*m, user) == 0 && add_gid (u, gr.gr_gid) < 0)
        return -ENOMEM;
  return 0;
}

static int
lookup_user (const char *name, FILE *passwd, struct rt_user *u, char **user_name,
             struct cd_err *err)
{
  unsigned long id;
  bool numeric = parse_id (name, &id);
  if (find_passwd (passwd, name, numeric, id, &u->uid, &u->gid, user_name, &u->home))
    return 0;
  if (!numeric)
    return cd_err_set (err, ENOENT, "unable to find user %s: no matching entries in passwd "
                                    "file", name);
  u->uid = (uid_t) id;
  u->gid = 0;
  return 0;
}

int
rt_user_lookup (const char *spec, FILE *passwd, FILE *group, const gid_t *extra,
                size_t n_extra, struct rt_user *u, struct cd_err *err)
{
  memset (u, 0, sizeof *u);
  cleanup_free char *copy = strdup (spec);
  cleanup_free char *user_name = NULL;
  if (copy == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char *colon = strchr (copy, ':');
  const char *grp = colon ? colon + 1 : NULL;
  if (colon)
    *colon = '\0';
  int r = 0;
  if (copy[0] != '\0' && (r = lookup_user (copy, passwd, u, &user_name, err)) < 0)
    goto fail;
  if (grp && grp[0])
    {
      unsigned long id;
      bool numeric = parse_id (grp, &id);
      if (!find_group (group, grp, numeric, id, &u->gid))
        {
          if (!numeric)
            {
              r = cd_err_set (err, ENOENT, "unable to find group %s: no matching entries in "
                                           "group file", grp);
              goto fail;
            }
          u->gid = (gid_t) id;
        }
    }
  else if (member_groups (group, user_name, u) < 0)
    goto nomem;
  for (size_t i = 0; i < n_extra; i++)
    if (add_gid (u, extra[i]) < 0)
      goto nomem;
  if (u->home == NULL && (u->home = strdup ("/")) == NULL)
    goto nomem;
  return 0;
nomem:
  r = cd_err_set (err, ENOMEM, "out of memory");
fail:
  rt_user_free (u);
  return r;
}

int
rt_user_resolve (const struct rt_config *c, struct rt_user *u, struct cd_err *err)
{
  cleanup_fclose FILE *passwd = fopen ("/etc/passwd", "re");
  cleanup_fclose FILE *group = fopen ("/etc/group", "re");
  if (c->user_spec)
    return rt_user_lookup (c->user_spec, passwd, group, c->additional_gids,
                           c->n_additional_gids, u, err);
  char spec[32];
  snprintf (spec, sizeof spec, "%u:%u", (unsigned) c->uid, (unsigned) c->gid);
  return rt_user_lookup (spec, passwd, NULL, c->additional_gids, c->n_additional_gids, u, err);
}

int
rt_user_apply (const struct rt_user *u, struct cd_err *err)
{
  if (setgroups (u->n_groups, u->groups) < 0)
    return cd_err_sys (err, errno, "setgroups");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return cd_err_sys (err, errno, "setresgid %u", (unsigned) u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return cd_err_sys (err, errno, "setresuid %u", (unsigned) u->uid);
  return 0;
}

void
rt_user_free (struct rt_user *u)
{
  free (u->groups);
  free (u->home);
  memset (u, 0, sizeof *u);
}
