/* The final execve, with Go's exec.LookPath rules and Docker's messages:
 *   exec: "nosuch": executable file not found in $PATH        → 127
 *   exec: "/nosuch": stat /nosuch: no such file or directory  → 127
 *   exec: "/etc": permission denied                           → 126 */
#include "process.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Go spells errno strings in lower case. */
static const char *
go_strerror (int e, char *buf, size_t len)
{
  snprintf (buf, len, "%s", strerror (e));
  buf[0] = (char) tolower ((unsigned char) buf[0]);
  return buf;
}

/* 0, -ENOENT (with errno from stat) or -EACCES (a directory or no x bit). */
static int
find_executable (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode))
    return -EACCES;
  if (faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
    return -EACCES;
  return 0;
}

static const char *
env_get (char *const *env, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, n) == 0 && env[i][n] == '=')
      return env[i] + n + 1;
  return NULL;
}

static int
lookup_slash (const char *name, char **out, int *exit_code, struct cd_err *err)
{
  char eb[128];
  int r = find_executable (name);
  if (r == 0)
    {
      *out = strdup (name);
      return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
    }
  if (r == -EACCES)
    {
      *exit_code = RT_EXIT_CANNOT_EXEC;
      return cd_err_set (err, EACCES, "exec: \"%s\": permission denied", name);
    }
  *exit_code = r == -ENOENT || r == -ENOTDIR ? RT_EXIT_NOT_FOUND : RT_EXIT_CANNOT_EXEC;
  return cd_err_set (err, -r, "exec: \"%s\": stat %s: %s", name, name,
                     go_strerror (-r, eb, sizeof eb));
}

int
rt_lookup_path (const char *name, char *const *env, char **out, int *exit_code,
                struct cd_err *err)
{
  *out = NULL;
  if (strchr (name, '/'))
    return lookup_slash (name, out, exit_code, err);
  const char *path = env_get (env, "PATH");
  cleanup_free char *copy = strdup (path ? path : DEFAULT_PATH);
  if (copy == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (char *dir = copy, *next; dir; dir = next)
    {
      next = strchr (dir, ':');
      if (next)
        *next++ = '\0';
      char cand[4096];
      if (snprintf (cand, sizeof cand, "%s/%s", dir[0] ? dir : ".", name) >= (int) sizeof cand)
        continue;
      if (find_executable (cand) == 0)
        {
          *out = strdup (cand);
          return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
        }
    }
  *exit_code = RT_EXIT_NOT_FOUND;
  return cd_err_set (err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* env plus HOME=home when env lacks HOME; NULL on ENOMEM. */
static char **
with_home (char *const *env, const char *home)
{
  size_t n = rt_strv_len (env);
  char **v = calloc (n + 2, sizeof *v);
  if (v == NULL)
    return NULL;
  memcpy (v, env, n * sizeof *v);
  if (home && env_get (env, "HOME") == NULL && asprintf (&v[n], "HOME=%s", home) < 0)
    {
      free (v);
      return NULL;
    }
  return v;
}

int
rt_exec (const struct rt_config *c, const char *home, int *exit_code, struct cd_err *err)
{
  char eb[128];
  cleanup_free char *path = NULL;
  int r = rt_lookup_path (c->args[0], c->env, &path, exit_code, err);
  if (r < 0)
    return r;
  char **env = with_home (c->env, home);
  if (env == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  execve (path, c->args, env);
  int e = errno;
  if (e == ENOENT || e == ENOTDIR)
    *exit_code = RT_EXIT_NOT_FOUND;
  else if (e == EACCES || e == EPERM || e == ENOEXEC || e == EISDIR)
    *exit_code = RT_EXIT_CANNOT_EXEC;
  else
    *exit_code = RT_EXIT_DAEMON_ERROR;
  return cd_err_set (err, e, "exec: \"%s\": %s", path, go_strerror (e, eb, sizeof eb));
}
