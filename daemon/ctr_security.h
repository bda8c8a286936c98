/* A container's security settings, Docker's way: HostConfig CapAdd/CapDrop,
 * Privileged, SecurityOpt (seccomp, no-new-privileges), ReadonlyRootfs and
 * Tmpfs, checked at create and turned into the bundle's config.json.
 * Prefix ctr_sec_. */
#ifndef CD_CTR_SECURITY_H
#define CD_CTR_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "err.h"

/* Docker's default seccomp profile, in Docker's profile format (JSON). */
extern const char ctr_sec_default_profile[];

/* "sys_admin", "CAP_SYS_ADMIN", "Sys_Admin" → "CAP_SYS_ADMIN"; "all" → "ALL".
 * -EINVAL when unknown. */
int ctr_sec_cap_normalize (const char *name, char *out, size_t len);

/* The parsed SecurityOpt list. seccomp: NULL (the default profile),
 * "unconfined", or a profile's JSON text (points into the list). */
struct ctr_sec_opts
{
  bool no_new_privileges;
  const char *seccomp;
};
/* Docker's rules and messages: `invalid --security-opt 2: "foo=bar"`. */
int ctr_sec_parse_opts (json_object *security_opt, struct ctr_sec_opts *o, struct cd_err *err);

/* At create: types and values of CapAdd, CapDrop, Privileged, SecurityOpt
 * (a seccomp profile is decoded), ReadonlyRootfs and Tmpfs. -EINVAL with
 * Docker's message ("unknown capability: \"CAP_FOO\""). */
int ctr_sec_validate (json_object *hc, struct cd_err *err);

/* The container's capability set: Privileged → bounding; else Docker's
 * defaults with CapDrop/CapAdd applied (ALL means bounding). */
int ctr_sec_caps (json_object *hc, uint64_t bounding, uint64_t *out, struct cd_err *err);
/* The daemon's own bounding set (/proc/self/status CapBnd). */
uint64_t ctr_sec_bounding (void);

/* Docker's profile (text) → the OCI linux.seccomp object for this machine's
 * architecture and the given capabilities (includes/excludes by arches,
 * caps and minKernel resolved). */
int ctr_sec_seccomp_oci (const char *profile, uint64_t caps, json_object **out,
                         struct cd_err *err);

/* Docker's tmpfs option merge: defaults noexec,nosuid,nodev,rprivate then
 * the user's, later words winning per flag or key. */
int ctr_sec_tmpfs_options (const char *user, json_object **out, struct cd_err *err);

/* Applies hc's security settings to a config.json built by bundle_build:
 * process.capabilities, noNewPrivileges, linux.seccomp, the privileged
 * changes (host devices, no masked/read-only paths, rw /sys and cgroup,
 * linux.resources.devices allow-all) and the Tmpfs mounts. */
int ctr_sec_apply (json_object *hc, json_object *spec, struct cd_err *err);

#endif
