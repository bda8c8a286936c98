#include "sysinfo.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <linux/magic.h>

int
cd_cgroup_version (void)
{
  struct statfs fs;
  if (statfs ("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    return 2;
  return 1;
}

static void
os_release_field (const char *key, char *buf, size_t len)
{
  FILE *f = fopen ("/etc/os-release", "re");
  if (f == NULL)
    f = fopen ("/usr/lib/os-release", "re");
  if (f == NULL)
    return;
  char line[512];
  size_t kl = strlen (key);
  while (fgets (line, sizeof line, f))
    {
      if (strncmp (line, key, kl) != 0 || line[kl] != '=')
        continue;
      char *v = line + kl + 1;
      v[strcspn (v, "\n")] = '\0';
      if (*v == '"')
        {
          v++;
          char *q = strrchr (v, '"');
          if (q)
            *q = '\0';
        }
      snprintf (buf, len, "%s", v);
      break;
    }
  fclose (f);
}

void
cd_os_name (char *buf, size_t len)
{
  snprintf (buf, len, "Linux");
  os_release_field ("PRETTY_NAME", buf, len);
}

void
cd_os_version (char *buf, size_t len)
{
  snprintf (buf, len, "%s", "");
  os_release_field ("VERSION_ID", buf, len);
}

int64_t
cd_mem_total (void)
{
  struct sysinfo si;
  if (sysinfo (&si) < 0)
    return 0;
  return (int64_t) si.totalram * si.mem_unit;
}

const char *
cd_go_arch (const char *m)
{
  if (strcmp (m, "x86_64") == 0)
    return "amd64";
  if (strcmp (m, "aarch64") == 0)
    return "arm64";
  if (strncmp (m, "armv7", 5) == 0)
    return "arm";
  if (strcmp (m, "i686") == 0 || strcmp (m, "i386") == 0)
    return "386";
  return m;
}

int
cd_count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      n++;
  closedir (d);
  return n - 1; /* the directory stream itself */
}
