/* runtime/cgroup_limits: linux.resources parsed and written into a temporary
 * directory standing in for a cgroup v2 group (and a v1 one), with the file
 * names and value formats of the kernel's cgroup-v2.rst; then freeze/thaw
 * and kill live on this host's unified tree when a child can be made there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsutil.h"
#include "runtime/cgroup_limits.h"

static char tmp[64];

static void
touch (const char *name)
{
  char p[256];
  snprintf (p, sizeof p, "%s/%s", tmp, name);
  FILE *f = fopen (p, "w");
  assert_non_null (f);
  fclose (f);
}

static char *
slurp (const char *name)
{
  char p[256];
  snprintf (p, sizeof p, "%s/%s", tmp, name);
  char *t = NULL;
  struct cd_err err;
  assert_int_equal (cd_read_file (p, &t, NULL, &err), 0);
  return t;
}

static void
expect_file (const char *name, const char *want)
{
  char *t = slurp (name);
  assert_string_equal (t, want);
  free (t);
}

static void
parse (const char *json, struct rt_resources *r)
{
  struct cd_err err;
  json_object *o = json_tokener_parse (json);
  assert_non_null (o);
  assert_int_equal (rt_res_parse (o, r, &err), 0);
  json_object_put (o);
}

static int
mk_tmp (void **state)
{
  (void) state;
  snprintf (tmp, sizeof tmp, "/tmp/cgstandin.XXXXXX");
  assert_non_null (mkdtemp (tmp));
  return 0;
}

static int
rm_tmp (void **state)
{
  (void) state;
  struct cd_err err;
  cd_rm_rf (tmp, &err);
  return 0;
}

static const char *const v2_files[] = { "memory.max", "memory.low", "memory.swap.max",
                                        "cpu.weight", "cpu.max", "cpuset.cpus", "cpuset.mems",
                                        "pids.max", "io.weight", "io.max", NULL };

static void
test_v2_files (void **state)
{
  (void) state;
  for (int i = 0; v2_files[i]; i++)
    touch (v2_files[i]);
  struct rt_resources r;
  parse ("{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728},"
         "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\","
         "\"mems\":\"0\"},\"pids\":{\"limit\":20},"
         "\"blockIO\":{\"weight\":500,"
         "\"throttleReadBpsDevice\":[{\"major\":7,\"minor\":3,\"rate\":1048576}],"
         "\"throttleWriteBpsDevice\":[{\"major\":7,\"minor\":3,\"rate\":2097152}],"
         "\"throttleReadIOPSDevice\":[{\"major\":7,\"minor\":3,\"rate\":100}],"
         "\"throttleWriteIOPSDevice\":[{\"major\":7,\"minor\":3,\"rate\":200}]}}",
         &r);
  struct cd_err err;
  assert_int_equal (rt_res_apply_v2 (tmp, &r, &err), 0);
  expect_file ("memory.max", "67108864");
  expect_file ("memory.low", "33554432");
  expect_file ("memory.swap.max", "67108864"); /* swap alone: (memory+swap) - memory */
  expect_file ("cpu.weight", "39");             /* runc: 1 + (1024-2)*9999/262142 */
  expect_file ("cpu.max", "50000 100000");
  expect_file ("cpuset.cpus", "0-1");
  expect_file ("cpuset.mems", "0");
  expect_file ("pids.max", "20");
  expect_file ("io.weight", "default 4950");    /* blkio 10..1000 -> io 1..10000 */
  expect_file ("io.max", "7:3 rbps=1048576 wbps=2097152 riops=100 wiops=200");
  rt_res_free (&r);
}

static void
test_v2_unlimited (void **state)
{
  (void) state;
  for (int i = 0; v2_files[i]; i++)
    touch (v2_files[i]);
  touch ("io.bfq.weight");
  struct rt_resources r;
  parse ("{\"memory\":{\"limit\":-1,\"swap\":-1},\"cpu\":{\"period\":50000},"
         "\"pids\":{\"limit\":-1},\"blockIO\":{\"weight\":300}}", &r);
  struct cd_err err;
  assert_int_equal (rt_res_apply_v2 (tmp, &r, &err), 0);
  expect_file ("memory.max", "max");
  expect_file ("memory.swap.max", "max");
  expect_file ("cpu.max", "max 50000");
  expect_file ("pids.max", "max");
  expect_file ("io.bfq.weight", "300");         /* bfq takes the blkio weight as is */
  expect_file ("memory.low", "");
  rt_res_free (&r);
}

static void
test_v1_files (void **state)
{
  (void) state;
  static const char *const files[] = { "memory.limit_in_bytes", "memory.soft_limit_in_bytes",
                                       "memory.memsw.limit_in_bytes", "memory.swappiness",
                                       "memory.oom_control", "cpu.shares", "cpu.cfs_period_us",
                                       "cpu.cfs_quota_us", "pids.max", "devices.allow",
                                       "devices.deny", NULL };
  for (int i = 0; files[i]; i++)
    touch (files[i]);
  struct rt_resources r;
  parse ("{\"memory\":{\"limit\":67108864,\"swap\":134217728,\"reservation\":6291456,"
         "\"swappiness\":10,\"disableOOMKiller\":true},\"cpu\":{\"shares\":512,"
         "\"quota\":50000,\"period\":100000},\"pids\":{\"limit\":20},"
         "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
         "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}", &r);
  struct cd_err err;
  assert_int_equal (rt_res_apply_v1 ("memory", tmp, &r, &err), 0);
  assert_int_equal (rt_res_apply_v1 ("cpu,cpuacct", tmp, &r, &err), 0);
  assert_int_equal (rt_res_apply_v1 ("pids", tmp, &r, &err), 0);
  assert_int_equal (rt_res_apply_v1 ("devices", tmp, &r, &err), 0);
  expect_file ("memory.limit_in_bytes", "67108864");
  expect_file ("memory.memsw.limit_in_bytes", "134217728");
  expect_file ("memory.soft_limit_in_bytes", "6291456");
  expect_file ("memory.swappiness", "10");
  expect_file ("memory.oom_control", "1");
  expect_file ("cpu.shares", "512");
  expect_file ("cpu.cfs_period_us", "100000");
  expect_file ("cpu.cfs_quota_us", "50000");
  expect_file ("pids.max", "20");
  expect_file ("devices.deny", "a");
  expect_file ("devices.allow", "c 1:3 rwm");
  rt_res_free (&r);
}

static void
test_parse_errors (void **state)
{
  (void) state;
  struct rt_resources r;
  struct cd_err err;
  json_object *o = json_tokener_parse ("{\"memory\":{\"limit\":\"64m\"}}");
  assert_int_equal (rt_res_parse (o, &r, &err), -EINVAL);
  assert_string_equal (err.msg, "linux.resources.memory.limit: must be an integer");
  json_object_put (o);
  o = json_tokener_parse ("{\"blockIO\":{\"weight\":5}}");
  assert_int_equal (rt_res_parse (o, &r, &err), -EINVAL);
  json_object_put (o);
  assert_int_equal (rt_shares_to_weight (2), 1);
  assert_int_equal (rt_shares_to_weight (262144), 10000);
  assert_int_equal (rt_blkio_to_io_weight (10), 1);
  assert_int_equal (rt_blkio_to_io_weight (1000), 10000);
}

/* Live on /sys/fs/cgroup/unified: freeze stops a counting child, thaw
 * resumes it, cgroup.kill ends it. */
static void
test_v2_live_freeze_kill (void **state)
{
  (void) state;
  char dir[128];
  snprintf (dir, sizeof dir, "/sys/fs/cgroup/unified/cdres-unit-%d", (int) getpid ());
  if (access ("/sys/fs/cgroup/unified/cgroup.procs", F_OK) < 0 || mkdir (dir, 0755) < 0)
    skip ();
  volatile unsigned long *counter = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  assert_true (counter != MAP_FAILED);
  pid_t child = fork ();
  if (child == 0)
    for (;;)
      (*counter)++;
  char procs[160], num[32];
  snprintf (procs, sizeof procs, "%s/cgroup.procs", dir);
  snprintf (num, sizeof num, "%d", (int) child);
  FILE *f = fopen (procs, "w");
  assert_non_null (f);
  fputs (num, f);
  assert_int_equal (fclose (f), 0);
  struct cd_err err;
  assert_int_equal (rt_cg_freeze_dir (dir, true, true, &err), 0);
  unsigned long a = *counter;
  nanosleep (&(struct timespec){ 0, 200000000 }, NULL);
  assert_true (*counter == a);
  assert_int_equal (rt_cg_freeze_dir (dir, true, false, &err), 0);
  nanosleep (&(struct timespec){ 0, 200000000 }, NULL);
  assert_true (*counter != a);
  assert_int_equal (rt_cg_kill_dir (dir, true, &err), 0);
  int st = 0;
  assert_int_equal (waitpid (child, &st, 0), child);
  assert_true (WIFSIGNALED (st) && WTERMSIG (st) == SIGKILL);
  for (int i = 0; i < 100 && rmdir (dir) < 0; i++)
    nanosleep (&(struct timespec){ 0, 10000000 }, NULL);
  assert_int_equal (access (dir, F_OK), -1);
  munmap ((void *) counter, 4096);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_v2_files, mk_tmp, rm_tmp),
    cmocka_unit_test_setup_teardown (test_v2_unlimited, mk_tmp, rm_tmp),
    cmocka_unit_test_setup_teardown (test_v1_files, mk_tmp, rm_tmp),
    cmocka_unit_test (test_parse_errors),
    cmocka_unit_test (test_v2_live_freeze_kill),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
