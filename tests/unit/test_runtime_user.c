/* runtime/: user and group resolution (Docker's rules), cgroup directory
 * discovery from mountinfo text, and the PATH lookup's exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/cgroup.h"
#include "runtime/process.h"
#include "runtime/user.h"

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
                                  "cduser:x:1000:1000:cduser:/home/cduser:/bin/sh\n"
                                  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group_text[] = "root:x:0:\nwheel:x:10:cduser\ncdgroup:x:1000:\n"
                                 "users:x:100:cduser,other\nnogroup:x:65534:\n";

static int
lookup (const char *spec, const gid_t *extra, size_t n_extra, struct rt_user *u,
        struct cd_err *err)
{
  FILE *p = fmemopen ((void *) passwd_text, sizeof passwd_text - 1, "r");
  FILE *g = fmemopen ((void *) group_text, sizeof group_text - 1, "r");
  int r = rt_user_lookup (spec, p, g, extra, n_extra, u, err);
  fclose (p);
  fclose (g);
  return r;
}

static void
test_user_by_name (void **state)
{
  (void) state;
  struct rt_user u;
  struct cd_err err = { 0 };
  assert_int_equal (lookup ("cduser", NULL, 0, &u, &err), 0);
  assert_int_equal (u.uid, 1000);
  assert_int_equal (u.gid, 1000);
  assert_int_equal (u.n_groups, 2);
  assert_int_equal (u.groups[0], 10);
  assert_int_equal (u.groups[1], 100);
  assert_string_equal (u.home, "/home/cduser");
  rt_user_free (&u);
  /* numeric uid of a known user: same entry */
  assert_int_equal (lookup ("1000", NULL, 0, &u, &err), 0);
  assert_int_equal (u.gid, 1000);
  assert_int_equal (u.n_groups, 2);
  rt_user_free (&u);
}

static void
test_user_group_forms (void **state)
{
  (void) state;
  struct rt_user u;
  struct cd_err err = { 0 };
  gid_t extra[] = { 7, 100 };
  /* explicit group: no implicit supplementary groups */
  assert_int_equal (lookup ("cduser:users", NULL, 0, &u, &err), 0);
  assert_int_equal (u.gid, 100);
  assert_int_equal (u.n_groups, 0);
  rt_user_free (&u);
  /* unknown numeric uid and gid are fine; extra gids are appended once */
  assert_int_equal (lookup ("4242:4343", extra, 2, &u, &err), 0);
  assert_int_equal (u.uid, 4242);
  assert_int_equal (u.gid, 4343);
  assert_int_equal (u.n_groups, 2);
  assert_string_equal (u.home, "/");
  rt_user_free (&u);
  assert_int_equal (lookup ("4242", NULL, 0, &u, &err), 0);
  assert_int_equal (u.gid, 0);
  rt_user_free (&u);
  assert_int_equal (lookup ("cduser", extra, 2, &u, &err), 0);
  assert_int_equal (u.n_groups, 3);
  rt_user_free (&u);
}

static void
test_user_errors (void **state)
{
  (void) state;
  struct rt_user u;
  struct cd_err err = { 0 };
  assert_int_equal (lookup ("bob", NULL, 0, &u, &err), -ENOENT);
  assert_string_equal (err.msg, "unable to find user bob: no matching entries in passwd file");
  assert_int_equal (lookup ("cduser:nogrp", NULL, 0, &u, &err), -ENOENT);
  assert_string_equal (err.msg, "unable to find group nogrp: no matching entries in group file");
  /* no passwd file at all: names fail, numbers work */
  assert_int_equal (rt_user_lookup ("root", NULL, NULL, NULL, 0, &u, &err), -ENOENT);
  assert_int_equal (rt_user_lookup ("0:0", NULL, NULL, NULL, 0, &u, &err), 0);
  rt_user_free (&u);
}

static const char hybrid_mountinfo[]
    = "22 1 0:20 / / rw - ext4 /dev/vda rw\n"
      "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "41 22 0:37 / /mnt/elsewhere rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] = "4:memory:/svc/me\n3:cpuset:/\n2:cpu,cpuacct:/svc\n"
                                  "1:name=systemd:/user.slice\n0::/unified/me\n";

static const struct rt_cg_hier *
hier (const struct rt_cgroups *cg, const char *name)
{
  for (size_t i = 0; i < cg->n; i++)
    if (strcmp (cg->h[i].name, name) == 0)
      return &cg->h[i];
  fail_msg ("no hierarchy %s", name);
  return NULL;
}

static void
test_cgroup_hybrid (void **state)
{
  (void) state;
  struct rt_cgroups cg;
  struct cd_err err = { 0 };
  assert_int_equal (rt_cg_parse (hybrid_mountinfo, hybrid_self, "/cdaemon/abc", &cg, &err), 0);
  assert_int_equal (cg.n, 5);
  assert_false (cg.own);
  assert_string_equal (hier (&cg, "memory")->dir, "/sys/fs/cgroup/memory/cdaemon/abc");
  assert_string_equal (hier (&cg, "cpu,cpuacct")->dir, "/sys/fs/cgroup/cpu,cpuacct/cdaemon/abc");
  assert_true (hier (&cg, "cpuset")->cpuset);
  assert_true (hier (&cg, "unified")->v2);
  assert_false (hier (&cg, "memory")->v2);
  rt_cg_free (&cg);
  /* relative: below the caller's own cgroup in each hierarchy */
  assert_int_equal (rt_cg_parse (hybrid_mountinfo, hybrid_self, "ctr", &cg, &err), 0);
  assert_string_equal (hier (&cg, "memory")->dir, "/sys/fs/cgroup/memory/svc/me/ctr");
  assert_string_equal (hier (&cg, "cpu,cpuacct")->dir, "/sys/fs/cgroup/cpu,cpuacct/svc/ctr");
  assert_string_equal (hier (&cg, "systemd")->dir, "/sys/fs/cgroup/systemd/user.slice/ctr");
  assert_string_equal (hier (&cg, "unified")->dir, "/sys/fs/cgroup/unified/unified/me/ctr");
  rt_cg_free (&cg);
  /* none: the caller's own cgroups */
  assert_int_equal (rt_cg_parse (hybrid_mountinfo, hybrid_self, NULL, &cg, &err), 0);
  assert_true (cg.own);
  assert_string_equal (hier (&cg, "cpuset")->dir, "/sys/fs/cgroup/cpuset");
  assert_string_equal (hier (&cg, "memory")->dir, "/sys/fs/cgroup/memory/svc/me");
  rt_cg_free (&cg);
}

static void
test_cgroup_v2 (void **state)
{
  (void) state;
  struct rt_cgroups cg;
  struct cd_err err = { 0 };
  const char *mi = "22 1 0:20 / / rw - ext4 /dev/vda rw\n"
                   "30 22 0:27 /docker/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  assert_int_equal (rt_cg_parse (mi, "0::/docker/x/sub\n", "/cd/1", &cg, &err), 0);
  assert_int_equal (cg.n, 1);
  assert_string_equal (cg.h[0].name, "");
  assert_true (cg.h[0].v2);
  assert_string_equal (cg.h[0].dir, "/sys/fs/cgroup/cd/1");
  rt_cg_free (&cg);
  /* a mount whose root is not "/" (nested): own path taken relative to it */
  assert_int_equal (rt_cg_parse (mi, "0::/docker/x/sub\n", "c", &cg, &err), 0);
  assert_string_equal (cg.h[0].dir, "/sys/fs/cgroup/sub/c");
  rt_cg_free (&cg);
}

static char tmp[] = "/tmp/cd-rt-lookup.XXXXXX";

static void
test_lookup_path (void **state)
{
  (void) state;
  char *out = NULL, path[256], env_path[300];
  int code = 0;
  struct cd_err err = { 0 };
  assert_non_null (mkdtemp (tmp));
  snprintf (path, sizeof path, "%s/tool", tmp);
  FILE *f = fopen (path, "w");
  fclose (f);
  chmod (path, 0755);
  snprintf (path, sizeof path, "%s/plain", tmp);
  f = fopen (path, "w");
  fclose (f);
  chmod (path, 0644);
  snprintf (env_path, sizeof env_path, "PATH=/nonexistent::%s", tmp);
  char *env[] = { env_path, NULL };
  assert_int_equal (rt_lookup_path ("tool", env, &out, &code, &err), 0);
  assert_non_null (strstr (out, "/tool"));
  free (out);
  assert_int_equal (rt_lookup_path ("plain", env, &out, &code, &err), -ENOENT);
  assert_int_equal (code, 127);
  assert_string_equal (err.msg, "exec: \"plain\": executable file not found in $PATH");
  assert_int_equal (rt_lookup_path (path, env, &out, &code, &err), -EACCES);
  assert_int_equal (code, 126);
  assert_int_equal (rt_lookup_path (tmp, env, &out, &code, &err), -EACCES);
  assert_int_equal (code, 126);
  assert_non_null (strstr (err.msg, "\": permission denied"));
  assert_int_equal (rt_lookup_path ("/nonexistent/x", env, &out, &code, &err), -ENOENT);
  assert_int_equal (code, 127);
  assert_string_equal (err.msg, "exec: \"/nonexistent/x\": stat /nonexistent/x: no such file or "
                                "directory");
  unlink (path);
  snprintf (path, sizeof path, "%s/tool", tmp);
  unlink (path);
  rmdir (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_user_by_name),  cmocka_unit_test (test_user_group_forms),
    cmocka_unit_test (test_user_errors),   cmocka_unit_test (test_cgroup_hybrid),
    cmocka_unit_test (test_cgroup_v2),     cmocka_unit_test (test_lookup_path),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
