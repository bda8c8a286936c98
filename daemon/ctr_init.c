#include "daemon/ctr_init.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *
next_to_self (const char *name)
{
  char self[4096];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  char *p = NULL;
  return asprintf (&p, "%s/%s", dirname (self), name) < 0 ? NULL : p;
}

int
ctr_init_path (const struct cd_config *cfg, json_object *host_config, char **path,
               struct cd_err *err)
{
  json_object *v = NULL;
  *path = NULL;
  bool want = cfg->init;
  if (host_config && json_object_object_get_ex (host_config, "Init", &v)
      && json_object_is_type (v, json_type_boolean))
    want = json_object_get_boolean (v);
  if (!want)
    return 0;
  char *p = cfg->init_path ? strdup (cfg->init_path) : next_to_self ("cdinit");
  if (p == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (access (p, X_OK) < 0)
    {
      int e = errno;
      cd_err_set (err, EIO, "--init: cannot use the init binary %s: %s%s", p, strerror (e),
                  cfg->init_path ? "" : " (install cdinit next to cdaemon or set init-path)");
      free (p);
      return -EIO;
    }
  *path = p;
  return 0;
}
