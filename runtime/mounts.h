/* runtime/mounts: the container's file system as a list of typed operations
 * (bubblewrap style) planned in the caller from the config, then executed by
 * one switch in the child, inside its new mount namespace. */
#ifndef CD_RUNTIME_MOUNTS_H
#define CD_RUNTIME_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "config.h"
#include "err.h"

struct rt_mount_flags
{
  unsigned long flags;          /* MS_* (MS_BIND | MS_REC for bind/rbind) */
  unsigned long propagation;    /* MS_PRIVATE, MS_REC | MS_SLAVE, ...; 0 none */
  char *data;                   /* the other words, comma-joined; malloc'd or NULL */
};

/* Pure: options of one mounts[] entry, as runc reads them. */
int rt_mount_parse_options (char *const *opts, struct rt_mount_flags *out, struct cd_err *err);

enum rt_mop_kind
{
  RT_MOP_PROPAGATE_ROOT,        /* make / private (or rootfsPropagation) */
  RT_MOP_ROOT_OVERLAY,          /* overlayfs at root.path from the annotations */
  RT_MOP_ROOT_BIND,             /* bind root.path on itself */
  RT_MOP_MOUNT,                 /* a file system (proc, tmpfs, ...) at dest */
  RT_MOP_BIND,                  /* bind host source at dest, then remount flags */
  RT_MOP_CGROUPFS,              /* /sys/fs/cgroup: the container's hierarchies */
  RT_MOP_DEVICES,               /* device nodes of linux.devices (+ defaults) */
  RT_MOP_DEV_SYMLINKS,          /* /dev/fd, /dev/std*, /dev/ptmx */
  RT_MOP_CONSOLE,               /* the pty slave on /dev/console */
  RT_MOP_PIVOT,                 /* pivot_root into root.path */
  /* after pivot_root (plain paths inside the container): */
  RT_MOP_READONLY,              /* bind + remount ro */
  RT_MOP_MASK,                  /* /dev/null over a file, empty ro tmpfs over a dir */
  RT_MOP_ROOT_READONLY,         /* remount / ro */
};

struct rt_mop
{
  enum rt_mop_kind kind;
  const char *source;           /* borrowed from the config */
  const char *dest;             /* path inside the container */
  const char *fstype;
  unsigned long flags;
  unsigned long propagation;
  char *data;                   /* owned */
  bool copy_up;                 /* bind: fill an empty source from dest first ("copyup") */
};

struct rt_mount_plan
{
  struct rt_mop *ops;
  size_t n, cap;
  size_t n_pre;                 /* ops[0..n_pre) run before and including pivot_root */
  char *overlay_dir;            /* chdir here before the overlay mount (long lowerdir) */
  const struct rt_config *c;
  const struct rt_cgroups *cg;
};

/* Builds the plan (in the caller, before clone: every config error shows up
 * here, not in the child). */
int rt_mount_plan_build (const struct rt_config *c, const struct rt_cgroups *cg,
                         struct rt_mount_plan *p, struct cd_err *err);
void rt_mount_plan_free (struct rt_mount_plan *p);

/* Executed in the child. rt_mounts_rootfs runs everything up to and
 * including pivot_root; rt_mounts_finish the rest (masked, read-only paths,
 * read-only root), after hostname/sysctl and the user lookup. */
int rt_mounts_rootfs (const struct rt_mount_plan *p, struct cd_err *err);
int rt_mounts_finish (const struct rt_mount_plan *p, struct cd_err *err);

/* Safe lookup inside a root directory fd: never leaves it, whatever symlinks
 * the image holds (openat2 RESOLVE_IN_ROOT). */
enum rt_create
{
  RT_NO_CREATE,
  RT_CREATE_DIR,                /* missing components (and the last) as dirs */
  RT_CREATE_FILE,               /* the same, the last one as an empty file */
};
int rt_open_in_root (int rootfd, const char *path, enum rt_create create, int *out,
                     struct cd_err *err);

/* Copy-up of a volume: when the directory src is empty and dest (inside the
 * root, resolved there) is a directory with content, copies it into src
 * with owners, modes and times; src takes dest's owner and mode. */
int rt_copy_up (int rootfd, const char *dest, const char *src, struct cd_err *err);

#endif
