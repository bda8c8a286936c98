/* Facts about the host for /info and /version. */
#ifndef CD_SYSINFO_H
#define CD_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

/* 1 for cgroup v1 (also hybrid: v1 controllers with a cgroup2 tree beside), 2 for unified. */
int cd_cgroup_version (void);
/* "Debian GNU/Linux 12 (bookworm)" from /etc/os-release PRETTY_NAME, else "Linux". */
void cd_os_name (char *buf, size_t len);
/* VERSION_ID from /etc/os-release, or "". */
void cd_os_version (char *buf, size_t len);
/* MemTotal in bytes. */
int64_t cd_mem_total (void);
/* Go-style architecture name (amd64, arm64) of uname -m. */
const char *cd_go_arch (const char *machine);
/* Open file descriptors of this process. */
int cd_count_fds (void);

#endif
