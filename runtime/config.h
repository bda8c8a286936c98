/* runtime/config: the subset of an OCI runtime-spec config.json that
 * runtime.h documents, parsed with json-c into plain C types. Everything a
 * user can get wrong is checked here, in the caller, before any clone. */
#ifndef CD_RUNTIME_CONFIG_H
#define CD_RUNTIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct rt_mount
{
  char *destination;
  char *type;                   /* "bind" when absent and options say bind */
  char *source;
  char **options;               /* NULL-terminated */
};

struct rt_rlimit
{
  int resource;                 /* RLIMIT_* */
  char *name;                   /* "RLIMIT_NOFILE" as written */
  uint64_t soft, hard;
};

struct rt_device
{
  char *path;
  char type;                    /* 'c', 'u', 'b', 'p' */
  unsigned major, minor;
  mode_t mode;                  /* permission bits; 0666 when absent */
  uid_t uid;
  gid_t gid;
};

struct rt_caps
{
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct rt_sysctl
{
  char *key, *value;
};

/* One entry of linux.namespaces: the CLONE_NEW* flag and an optional path
 * of a namespace to join instead of creating one. */
struct rt_namespace
{
  int flag;
  char *path;
};

struct rt_config
{
  char *hostname;
  char *root_path;              /* absolute (joined with the bundle) */
  bool root_readonly;

  char **args;                  /* NULL-terminated, at least one */
  char **env;                   /* NULL-terminated */
  char *cwd;
  bool terminal;
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  bool has_caps;
  struct rt_caps caps;
  struct rt_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;

  struct rt_mount *mounts;
  size_t n_mounts;

  struct rt_namespace *namespaces;
  size_t n_namespaces;
  char **masked_paths;          /* NULL-terminated */
  char **readonly_paths;        /* NULL-terminated */
  struct rt_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct rt_sysctl *sysctl;
  size_t n_sysctl;
  unsigned long rootfs_propagation; /* MS_* flags, 0: MS_REC | MS_PRIVATE */
  char *seccomp_json;           /* linux.seccomp as JSON text, NULL: none */

  char *overlay_lower, *overlay_upper, *overlay_work;
  char *user_spec;              /* "cdaemon.user" */
  bool mkcwd;
};

/* Reads <bundle>/config.json. Relative root.path and bind sources are taken
 * relative to the bundle. Errors name the key: "process.args: must be a
 * non-empty array of strings". */
int rt_config_load (const char *bundle, struct rt_config *c, struct cd_err *err);
/* The same from a string (bundle only joins relative paths; may be NULL). */
int rt_config_parse (const char *json, const char *bundle, struct rt_config *c,
                     struct cd_err *err);
void rt_config_free (struct rt_config *c);

/* Namespace flag of "pid", "network", ...; 0 when unknown. */
int rt_ns_flag (const char *type);
/* The namespace entry for flag, or NULL when the config does not list it. */
const struct rt_namespace *rt_config_ns (const struct rt_config *c, int flag);

/* "CAP_CHOWN" or "chown" → 0; -1 when unknown. */
int rt_cap_from_name (const char *name);
const char *rt_cap_name (int cap);
/* "RLIMIT_NOFILE" → RLIMIT_NOFILE; -1 when unknown. */
int rt_rlimit_from_name (const char *name);

void rt_strv_free (char **v);
size_t rt_strv_len (char *const *v);

#endif
