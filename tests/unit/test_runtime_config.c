/* runtime/: config.json parsing, mount options and the mount plan (pure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "runtime/config.h"
#include "runtime/mounts.h"
#include "runtime/namespaces.h"

/* Docker's default capability set, as CapEff shows it. */
#define DOCKER_CAPS UINT64_C (0x00000000a80425fb)

static const char *docker_config =
  "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"box\","
  "\"process\":{\"args\":[\"sh\",\"-c\",\"echo hi\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/w\","
  "\"user\":{\"uid\":1,\"gid\":2,\"additionalGids\":[3,4]},\"noNewPrivileges\":true,"
  "\"oomScoreAdj\":100,\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":2048}],"
  "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\","
  "\"CAP_FOWNER\",\"CAP_MKNOD\",\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\","
  "\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\","
  "\"CAP_AUDIT_WRITE\"],\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}},"
  "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
  "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
  "{\"destination\":\"/data\",\"source\":\"vol\",\"options\":[\"rbind\",\"ro\"]}],"
  "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"uts\"},"
  "{\"type\":\"network\",\"path\":\"/run/netns/x\"},{\"type\":\"cgroup\"}],"
  "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
  "\"devices\":[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,"
  "\"fileMode\":438}],\"cgroupsPath\":\"/cdaemon/abc\",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
  "\"rootfsPropagation\":\"rslave\"},"
  "\"annotations\":{\"cdaemon.user\":\"cduser\",\"cdaemon.mkcwd\":\"1\"}}";

static void
test_docker_config (void **state)
{
  (void) state;
  struct rt_config c;
  struct cd_err err = { 0 };
  assert_int_equal (rt_config_parse (docker_config, "/b", &c, &err), 0);
  assert_string_equal (c.root_path, "/b/rootfs");
  assert_string_equal (c.hostname, "box");
  assert_int_equal (rt_strv_len (c.args), 3);
  assert_string_equal (c.cwd, "/w");
  assert_int_equal (c.uid, 1);
  assert_int_equal (c.gid, 2);
  assert_int_equal (c.n_additional_gids, 2);
  assert_true (c.no_new_privileges);
  assert_true (c.has_oom_score_adj);
  assert_int_equal (c.oom_score_adj, 100);
  assert_int_equal (c.n_rlimits, 1);
  assert_int_equal (c.rlimits[0].resource, RLIMIT_NOFILE);
  assert_int_equal (c.rlimits[0].hard, 2048);
  assert_true (c.has_caps);
  assert_true (c.caps.bounding == DOCKER_CAPS);
  assert_true (c.caps.effective == UINT64_C (1) << 5);
  assert_int_equal (c.n_mounts, 2);
  assert_string_equal (c.mounts[1].type, "bind");
  assert_string_equal (c.mounts[1].source, "/b/vol");
  assert_int_equal (rt_ns_clone_flags (&c), CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS);
  assert_non_null (rt_config_ns (&c, CLONE_NEWNET));
  assert_string_equal (rt_config_ns (&c, CLONE_NEWNET)->path, "/run/netns/x");
  assert_null (rt_config_ns (&c, CLONE_NEWIPC));
  assert_string_equal (c.masked_paths[0], "/proc/kcore");
  assert_int_equal (c.n_devices, 1);
  assert_int_equal (c.devices[0].mode, 0666);
  assert_string_equal (c.cgroups_path, "/cdaemon/abc");
  assert_int_equal (c.n_sysctl, 1);
  assert_int_equal (c.rootfs_propagation, MS_REC | MS_SLAVE);
  assert_string_equal (c.user_spec, "cduser");
  assert_true (c.mkcwd);
  rt_config_free (&c);
}

/* Parses a config with one edit and expects the error message to contain want. */
static void
expect_error (const char *json, const char *want)
{
  struct rt_config c;
  struct cd_err err = { 0 };
  int r = rt_config_parse (json, "/b", &c, &err);
  if (r == 0 || strstr (err.msg, want) == NULL)
    fail_msg ("config %s: got %d \"%s\", want \"%s\"", json, r, err.msg, want);
}

#define ROOT "\"root\":{\"path\":\"/r\"},"
#define NS "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}"
#define PROC(x) "\"process\":{\"args\":[\"sh\"]" x "},"

static void
test_errors (void **state)
{
  (void) state;
  expect_error ("{", "invalid JSON");
  expect_error ("[]", "top level must be an object");
  expect_error ("{" PROC ("") NS "}", "root.path: required");
  expect_error ("{\"root\":{}," PROC ("") NS "}", "root.path: required");
  expect_error ("{" ROOT NS "}", "process: required");
  expect_error ("{" ROOT "\"process\":{\"args\":[]}," NS "}",
                "process.args: must be a non-empty array of strings");
  expect_error ("{" ROOT "\"process\":{\"args\":[1]}," NS "}", "process.args[0]: must be a string");
  expect_error ("{" ROOT PROC (",\"cwd\":\"rel\"") NS "}",
                "process.cwd: \"rel\" is not an absolute");
  expect_error ("{" ROOT PROC (",\"capabilities\":{\"bounding\":[\"CAP_FOO\"]}") NS "}",
                "process.capabilities.bounding: unknown capability \"CAP_FOO\"");
  expect_error ("{" ROOT PROC (",\"capabilities\":{\"ambient\":[\"CAP_KILL\"]}") NS "}",
                "ambient: CAP_KILL must also be permitted and inheritable");
  expect_error ("{" ROOT PROC (",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\","
                               "\"soft\":1,\"hard\":1}]") NS "}",
                "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"");
  expect_error ("{" ROOT PROC (",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                               "\"soft\":9,\"hard\":1}]") NS "}",
                "soft limit 9 of RLIMIT_NOFILE exceeds its hard limit 1");
  expect_error ("{" ROOT PROC (",\"oomScoreAdj\":5000") NS "}",
                "process.oomScoreAdj: 5000 out of range");
  expect_error ("{" ROOT PROC ("") "\"linux\":{}}", "a mount namespace is required");
  expect_error ("{" ROOT PROC ("") "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
                "{\"type\":\"user\"}]}}",
                "user namespaces are not supported");
  expect_error ("{" ROOT PROC ("") "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},"
                "{\"type\":\"bogus\"}]}}",
                "linux.namespaces[1].type: unknown namespace type \"bogus\"");
  expect_error ("{" ROOT "\"hostname\":\"h\"," PROC ("") NS "}", "needs a new uts namespace");
  expect_error ("{" ROOT PROC ("") "\"mounts\":[{\"destination\":\"rel\","
                "\"type\":\"tmpfs\"}]," NS "}",
                "mounts[0].destination: \"rel\" is not an absolute path");
  expect_error ("{" ROOT PROC ("") "\"mounts\":[{\"destination\":\"/x\","
                "\"options\":[\"bind\"]}]," NS "}",
                "mounts[0].source: required for a bind mount");
  expect_error ("{" ROOT PROC ("") "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
                "\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]}}",
                "linux.devices[0].type: \"q\" is not one of c, u, b, p");
  expect_error ("{" ROOT PROC ("") "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
                "\"rootfsPropagation\":\"sideways\"}}", "unknown propagation \"sideways\"");
  expect_error ("{" ROOT PROC ("") NS ",\"annotations\":{\"cdaemon.overlay.upperdir\":\"/u\"}}",
                "without cdaemon.overlay.lowerdir");
}

static void
test_defaults (void **state)
{
  (void) state;
  struct rt_config c;
  struct cd_err err = { 0 };
  const char *json = "{\"root\":{\"path\":\"rootfs\"}," PROC ("") NS "}";
  assert_int_equal (rt_config_parse (json, "/b", &c, &err), 0);
  assert_string_equal (c.cwd, "/");
  assert_non_null (c.env);
  assert_null (c.env[0]);
  assert_false (c.has_caps);
  assert_false (c.terminal);
  assert_int_equal (c.uid, 0);
  assert_null (c.user_spec);
  rt_config_free (&c);
}

static void
test_names (void **state)
{
  (void) state;
  assert_int_equal (rt_cap_from_name ("CAP_CHOWN"), 0);
  assert_int_equal (rt_cap_from_name ("net_admin"), 12);
  assert_int_equal (rt_cap_from_name ("CAP_CHECKPOINT_RESTORE"), 40);
  assert_int_equal (rt_cap_from_name ("CAP_NOPE"), -1);
  assert_string_equal (rt_cap_name (24), "CAP_SYS_RESOURCE");
  assert_int_equal (rt_rlimit_from_name ("RLIMIT_NPROC"), RLIMIT_NPROC);
  assert_int_equal (rt_rlimit_from_name ("nofile"), -1);
  assert_int_equal (rt_ns_flag ("network"), CLONE_NEWNET);
  assert_int_equal (rt_ns_flag ("net"), 0);
}

static void
test_mount_options (void **state)
{
  (void) state;
  struct rt_mount_flags f;
  struct cd_err err = { 0 };
  char *o1[] = { "rbind", "ro", "nosuid", "nodev", "rprivate", "mode=755", "size=1k", NULL };
  assert_int_equal (rt_mount_parse_options (o1, &f, &err), 0);
  assert_int_equal (f.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV);
  assert_int_equal (f.propagation, MS_REC | MS_PRIVATE);
  assert_string_equal (f.data, "mode=755,size=1k");
  free (f.data);
  char *o2[] = { "ro", "rw", "noexec", "exec", "strictatime", "tmpcopyup", NULL };
  assert_int_equal (rt_mount_parse_options (o2, &f, &err), 0);
  assert_int_equal (f.flags, MS_STRICTATIME);
  assert_int_equal (f.propagation, 0);
  assert_null (f.data);
  assert_int_equal (rt_mount_parse_options (NULL, &f, &err), 0);
  assert_int_equal (f.flags, 0);
}

static int
count_kind (const struct rt_mount_plan *p, enum rt_mop_kind k)
{
  int n = 0;
  for (size_t i = 0; i < p->n; i++)
    n += p->ops[i].kind == k;
  return n;
}

static void
test_plan (void **state)
{
  (void) state;
  struct rt_config c;
  struct rt_cgroups cg = { 0 };
  struct rt_mount_plan p;
  struct cd_err err = { 0 };
  assert_int_equal (rt_config_parse (docker_config, "/b", &c, &err), 0);
  assert_int_equal (rt_mount_plan_build (&c, &cg, &p, &err), 0);
  assert_int_equal (p.ops[0].kind, RT_MOP_PROPAGATE_ROOT);
  assert_int_equal (p.ops[0].propagation, MS_REC | MS_SLAVE);
  assert_int_equal (p.ops[1].kind, RT_MOP_ROOT_BIND);
  /* no /dev in mounts[]: a tmpfs is added before the user's mounts */
  assert_int_equal (p.ops[2].kind, RT_MOP_MOUNT);
  assert_string_equal (p.ops[2].dest, "/dev");
  assert_int_equal (p.ops[p.n_pre - 1].kind, RT_MOP_PIVOT);
  assert_int_equal (count_kind (&p, RT_MOP_BIND), 1);
  assert_int_equal (count_kind (&p, RT_MOP_DEVICES), 1);
  assert_int_equal (count_kind (&p, RT_MOP_CONSOLE), 0);
  assert_int_equal (p.ops[p.n_pre].kind, RT_MOP_READONLY);
  assert_int_equal (p.ops[p.n_pre + 1].kind, RT_MOP_MASK);
  assert_int_equal (p.n, p.n_pre + 2);
  rt_mount_plan_free (&p);
  rt_config_free (&c);
}

/* A lowerdir= longer than a page is rewritten relative to the layers' parent. */
static void
test_plan_long_overlay (void **state)
{
  (void) state;
  char lower[6000] = "", json[8000];
  const char *parent = "/var/lib/cdaemon/overlay2/";
  for (int i = 0; i < 50; i++)
    snprintf (lower + strlen (lower), sizeof lower - strlen (lower), "%s%s%064d/diff",
              i ? ":" : "", parent, i);
  snprintf (json, sizeof json, "{" ROOT PROC ("") NS ",\"annotations\":{"
            "\"cdaemon.overlay.lowerdir\":\"%s\",\"cdaemon.overlay.upperdir\":\"%su/diff\","
            "\"cdaemon.overlay.workdir\":\"%su/work\"}}", lower, parent, parent);
  struct rt_config c;
  struct rt_cgroups cg = { 0 };
  struct rt_mount_plan p;
  struct cd_err err = { 0 };
  assert_int_equal (rt_config_parse (json, "/b", &c, &err), 0);
  assert_int_equal (rt_mount_plan_build (&c, &cg, &p, &err), 0);
  assert_int_equal (p.ops[1].kind, RT_MOP_ROOT_OVERLAY);
  assert_string_equal (p.overlay_dir, parent);
  assert_true (strlen (p.ops[1].data) < 4096);
  assert_non_null (strstr (p.ops[1].data, ",upperdir=u/diff,workdir=u/work"));
  assert_int_equal (strncmp (p.ops[1].data, "lowerdir=0000", 13), 0);
  rt_mount_plan_free (&p);
  rt_config_free (&c);
  /* 70 layers do not fit even relative: a clear error */
  lower[0] = '\0';
  for (int i = 0; i < 70; i++)
    snprintf (lower + strlen (lower), sizeof lower - strlen (lower), "%s/l/%064d", i ? ":" : "", i);
  snprintf (json, sizeof json, "{" ROOT PROC ("") NS ",\"annotations\":{"
            "\"cdaemon.overlay.lowerdir\":\"%s\"}}", lower);
  assert_int_equal (rt_config_parse (json, "/b", &c, &err), 0);
  assert_int_equal (rt_mount_plan_build (&c, &cg, &p, &err), -E2BIG);
  assert_non_null (strstr (err.msg, "exceed one page"));
  rt_config_free (&c);
  const char *rel
      = "{" ROOT PROC ("") NS ",\"annotations\":{\"cdaemon.overlay.lowerdir\":\"a:/b\"}}";
  assert_int_equal (rt_config_parse (rel, "/b", &c, &err), 0);
  assert_int_equal (rt_mount_plan_build (&c, &cg, &p, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "overlay directory \"a\" is not an absolute path"));
  rt_config_free (&c);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_docker_config), cmocka_unit_test (test_errors),
    cmocka_unit_test (test_defaults),      cmocka_unit_test (test_names),
    cmocka_unit_test (test_mount_options), cmocka_unit_test (test_plan),
    cmocka_unit_test (test_plan_long_overlay),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
