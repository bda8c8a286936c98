/* Mount options as runc reads them: flag words become MS_* bits, propagation
 * words a separate propagation change, everything else the data string. */
#include "mounts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} flag_words[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },           { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },       { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },         { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },       { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },    { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },     { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },       { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },        { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },   { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME }, { "nostrictatime", true, MS_STRICTATIME },
  { "bind", false, MS_BIND },           { "rbind", false, MS_BIND | MS_REC },
};

static const struct
{
  const char *name;
  unsigned long flag;
} propagation_words[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_REC | MS_PRIVATE },
  { "shared", MS_SHARED },         { "rshared", MS_REC | MS_SHARED },
  { "slave", MS_SLAVE },           { "rslave", MS_REC | MS_SLAVE },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_REC | MS_UNBINDABLE },
};

/* Options only meaningful to other runtimes or to Docker itself. */
static const char *const ignored_words[] = { "tmpcopyup", "notmpcopyup", NULL };

static bool
apply_word (const char *w, struct rt_mount_flags *out)
{
  for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
    if (strcmp (flag_words[i].name, w) == 0)
      {
        if (flag_words[i].clear)
          out->flags &= ~flag_words[i].flag;
        else
          out->flags |= flag_words[i].flag;
        return true;
      }
  for (size_t i = 0; i < sizeof propagation_words / sizeof propagation_words[0]; i++)
    if (strcmp (propagation_words[i].name, w) == 0)
      {
        out->propagation = propagation_words[i].flag;
        return true;
      }
  for (size_t i = 0; ignored_words[i]; i++)
    if (strcmp (ignored_words[i], w) == 0)
      return true;
  return false;
}

static int
append_data (char **data, const char *w)
{
  size_t old = *data ? strlen (*data) : 0;
  char *n = realloc (*data, old + strlen (w) + 2);
  if (n == NULL)
    return -ENOMEM;
  if (old)
    n[old++] = ',';
  strcpy (n + old, w);
  *data = n;
  return 0;
}

int
rt_mount_parse_options (char *const *opts, struct rt_mount_flags *out, struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  for (size_t i = 0; opts && opts[i]; i++)
    {
      if (opts[i][0] == '\0' || apply_word (opts[i], out))
        continue;
      if (append_data (&out->data, opts[i]) < 0)
        {
          free (out->data);
          out->data = NULL;
          return cd_err_set (err, ENOMEM, "out of memory");
        }
    }
  return 0;
}
