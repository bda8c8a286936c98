/* Security settings: capability names and Docker's add/drop rules,
 * --security-opt parsing, tmpfs option merging, Docker's seccomp profile →
 * OCI linux.seccomp, and linux.seccomp → libseccomp rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <seccomp.h>

#include "daemon/bundle.h"
#include "daemon/ctr_security.h"
#include "fsutil.h"
#include "runtime/seccomp.h"

#define CAP(n) (UINT64_C (1) << (n))
#define DEFAULT_CAPS UINT64_C (0xa80425fb)
#define BOUNDING UINT64_C (0x1fffeffffff) /* this VM: no CAP_SYS_RESOURCE */

static void
test_cap_names (void **state)
{
  (void) state;
  char out[64];
  assert_int_equal (ctr_sec_cap_normalize ("sys_admin", out, sizeof out), 0);
  assert_string_equal (out, "CAP_SYS_ADMIN");
  assert_int_equal (ctr_sec_cap_normalize ("CAP_NET_ADMIN", out, sizeof out), 0);
  assert_string_equal (out, "CAP_NET_ADMIN");
  assert_int_equal (ctr_sec_cap_normalize ("Cap_Chown", out, sizeof out), 0);
  assert_string_equal (out, "CAP_CHOWN");
  assert_int_equal (ctr_sec_cap_normalize ("all", out, sizeof out), 0);
  assert_string_equal (out, "ALL");
  assert_int_equal (ctr_sec_cap_normalize ("CAP_FOO", out, sizeof out), -EINVAL);
  assert_int_equal (ctr_sec_cap_normalize ("", out, sizeof out), -EINVAL);
}

static uint64_t
caps_of (const char *hc_text, int want_rc, const char *want_msg)
{
  json_object *hc = json_tokener_parse (hc_text);
  struct cd_err err = { 0 };
  uint64_t caps = 0;
  assert_int_equal (ctr_sec_caps (hc, BOUNDING, &caps, &err), want_rc);
  if (want_msg)
    assert_string_equal (err.msg, want_msg);
  json_object_put (hc);
  return caps;
}

static void
test_cap_sets (void **state)
{
  (void) state;
  assert_true (caps_of ("{}", 0, NULL) == DEFAULT_CAPS);
  assert_true (caps_of ("{\"CapDrop\":[\"ALL\"]}", 0, NULL) == 0);
  assert_true (caps_of ("{\"CapDrop\":[\"all\"],\"CapAdd\":[\"chown\"]}", 0, NULL) == CAP (0));
  assert_true (caps_of ("{\"CapAdd\":[\"SYS_ADMIN\"],\"CapDrop\":[\"CAP_CHOWN\"]}", 0, NULL)
               == ((DEFAULT_CAPS & ~CAP (0)) | CAP (21)));
  assert_true (caps_of ("{\"CapAdd\":[\"ALL\"],\"CapDrop\":[\"NET_RAW\"]}", 0, NULL)
               == (BOUNDING & ~CAP (13)));
  assert_true (caps_of ("{\"Privileged\":true,\"CapDrop\":[\"ALL\"]}", 0, NULL) == BOUNDING);
  caps_of ("{\"CapAdd\":[\"foo\"]}", -EINVAL, "unknown capability: \"CAP_FOO\"");
  caps_of ("{\"CapDrop\":[\"CAP_bar\"]}", -EINVAL, "unknown capability: \"CAP_BAR\"");
}

static int
opts (const char *list, struct ctr_sec_opts *o, struct cd_err *err)
{
  json_object *a = json_tokener_parse (list);
  int r = ctr_sec_parse_opts (a, o, err);
  json_object_put (a);
  return r;
}

static void
test_security_opt (void **state)
{
  (void) state;
  struct ctr_sec_opts o;
  struct cd_err err = { 0 };
  assert_int_equal (opts ("[\"no-new-privileges\"]", &o, &err), 0);
  assert_true (o.no_new_privileges);
  assert_null (o.seccomp);
  assert_int_equal (opts ("[\"no-new-privileges:true\",\"no-new-privileges=false\"]", &o, &err),
                    0);
  assert_false (o.no_new_privileges);
  assert_int_equal (opts ("[\"seccomp=unconfined\",\"apparmor=x\",\"label=disable\"]", &o, &err),
                    0);
  assert_string_equal (o.seccomp, "unconfined");
  assert_int_equal (opts ("[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]", &o,
                          &err), 0);
  assert_string_equal (o.seccomp, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
  assert_int_equal (opts ("[\"foo\"]", &o, &err), -EINVAL);
  assert_string_equal (err.msg, "invalid --security-opt 1: \"foo\"");
  assert_int_equal (opts ("[\"foo=bar\"]", &o, &err), -EINVAL);
  assert_string_equal (err.msg, "invalid --security-opt 2: \"foo=bar\"");
  assert_int_equal (opts ("[\"no-new-privileges=maybe\"]", &o, &err), -EINVAL);
}

static void
test_tmpfs_options (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  json_object *o = NULL;
  assert_int_equal (ctr_sec_tmpfs_options ("", &o, &err), 0);
  assert_string_equal (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN),
                       "[\"noexec\",\"nosuid\",\"nodev\",\"rprivate\"]");
  json_object_put (o);
  assert_int_equal (ctr_sec_tmpfs_options ("exec,size=1m,size=2m,private", &o, &err), 0);
  assert_string_equal (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN),
                       "[\"nosuid\",\"nodev\",\"exec\",\"size=2m\",\"private\"]");
  json_object_put (o);
  assert_int_equal (ctr_sec_tmpfs_options ("foo=1", &o, &err), -EINVAL);
  assert_string_equal (err.msg, "invalid tmpfs option \"foo=1\"");
}

/* The names of every rule of an OCI seccomp object, one string. */
static char *
all_names (json_object *sc)
{
  static char buf[16384];
  buf[0] = '\0';
  json_object *calls = json_object_object_get (sc, "syscalls");
  for (size_t i = 0; i < json_object_array_length (calls); i++)
    {
      json_object *c = json_object_array_get_idx (calls, i);
      json_object *n = json_object_object_get (c, "names");
      for (size_t j = 0; j < json_object_array_length (n); j++)
        {
          strcat (buf, " ");
          strcat (buf, json_object_get_string (json_object_array_get_idx (n, j)));
          strcat (buf, ":");
          strcat (buf, json_object_get_string (json_object_object_get (c, "action")));
        }
    }
  strcat (buf, " ");
  return buf;
}

static void
test_default_profile (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  json_object *sc = NULL;
  assert_int_equal (ctr_sec_seccomp_oci (ctr_sec_default_profile, DEFAULT_CAPS, &sc, &err), 0);
  assert_string_equal (json_object_get_string (json_object_object_get (sc, "defaultAction")),
                       "SCMP_ACT_ERRNO");
#ifdef __x86_64__
  assert_string_equal (json_object_to_json_string_ext (json_object_object_get (sc, "architectures"),
                                                       JSON_C_TO_STRING_PLAIN),
                       "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
#endif
  const char *names = all_names (sc);
  assert_non_null (strstr (names, " read:SCMP_ACT_ALLOW "));
  assert_non_null (strstr (names, " clone:SCMP_ACT_ALLOW ")); /* with its flag condition */
  static const char *const denied[] = { "mount", "umount2", "unshare", "setns", "bpf", "reboot",
                                        "kexec_load", "init_module", "finit_module", "keyctl",
                                        "add_key", "request_key", "swapon", "acct",
                                        "settimeofday", "clock_settime", "open_by_handle_at",
                                        "perf_event_open", NULL };
  for (int i = 0; denied[i]; i++)
    {
      char pat[64];
      snprintf (pat, sizeof pat, " %s:SCMP_ACT_ALLOW ", denied[i]);
      if (strstr (names, pat))
        fail_msg ("%s is allowed by the default profile with the default capabilities", denied[i]);
    }
  json_object_put (sc);
  /* CAP_SYS_ADMIN brings mount and unshare (Docker's rule); clone loses its condition */
  assert_int_equal (ctr_sec_seccomp_oci (ctr_sec_default_profile, DEFAULT_CAPS | CAP (21), &sc,
                                         &err), 0);
  names = all_names (sc);
  assert_non_null (strstr (names, " mount:SCMP_ACT_ALLOW "));
  assert_non_null (strstr (names, " unshare:SCMP_ACT_ALLOW "));
  assert_null (strstr (names, " reboot:SCMP_ACT_ALLOW "));
  json_object_put (sc);
}

static void
test_profile_errors (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  json_object *sc = NULL;
  assert_int_equal (ctr_sec_seccomp_oci ("{bad", 0, &sc, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "Decoding seccomp profile failed"));
  assert_int_equal (ctr_sec_seccomp_oci ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                                         "[\"SCMP_ARCH_X86\"],\"archMap\":[{\"architecture\":"
                                         "\"SCMP_ARCH_X86\"}]}", 0, &sc, &err), -EINVAL);
  /* nothing given: no seccomp at all (Docker) */
  assert_int_equal (ctr_sec_seccomp_oci ("{}", 0, &sc, &err), 0);
  assert_null (sc);
  /* "name" becomes names[], errnoRet and args are kept */
  assert_int_equal (ctr_sec_seccomp_oci ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
                                         "\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\","
                                         "\"errnoRet\":13,\"args\":[{\"index\":1,\"value\":1,"
                                         "\"op\":\"SCMP_CMP_EQ\"}]}]}", 0, &sc, &err), 0);
  assert_string_equal (json_object_to_json_string_ext (json_object_object_get (sc, "syscalls"),
                                                       JSON_C_TO_STRING_PLAIN),
                       "[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
                       "\"args\":[{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]");
  json_object_put (sc);
}

static char *
compile (const char *json, int want)
{
  rt_seccomp_t f = NULL;
  struct cd_err err = { 0 };
  int r = rt_seccomp_build (json, NULL, &f, &err);
  if (r != want)
    fail_msg ("rt_seccomp_build: %d (%s)", r, err.msg);
  char *pfc = r == 0 ? rt_seccomp_pfc (f) : strdup (err.msg);
  rt_seccomp_free (f);
  return pfc;
}

static void
test_runtime_rules (void **state)
{
  (void) state;
  char want[128];
  /* one ERRNO rule: the pseudo filter code names the syscall number and the errno */
  char *pfc = compile ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
                       "\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\"}]}", 0);
  snprintf (want, sizeof want, "if ($syscall == %d)", seccomp_syscall_resolve_name ("mkdir"));
  assert_non_null (strstr (pfc, want));
  assert_non_null (strstr (pfc, "action ERRNO(1)"));
  free (pfc);
  /* a masked condition on the flags of clone, errno from errnoRet */
  pfc = compile ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":"
                 "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"clone\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
                 "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}", 0);
  assert_non_null (strstr (pfc, "ERRNO(38)"));
  assert_non_null (strstr (pfc, "& 0x7e020000"));
  free (pfc);
  pfc = compile ("{\"defaultAction\":\"SCMP_ACT_NOPE\"}", -EINVAL);
  assert_string_equal (pfc, "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  free (pfc);
  pfc = compile ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"LT\"}]}]}",
                 -EINVAL);
  assert_string_equal (pfc, "linux.seccomp.syscalls[0].args[0].op: unknown operator \"LT\"");
  free (pfc);
  pfc = compile ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
                 -EINVAL);
  free (pfc);
  /* Docker's whole default profile compiles */
  json_object *sc = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (ctr_sec_seccomp_oci (ctr_sec_default_profile, DEFAULT_CAPS, &sc, &err), 0);
  pfc = compile (json_object_to_json_string (sc), 0);
  free (pfc);
  json_object_put (sc);
}

static int
truncateat (const char *dir, const char *name, off_t len)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  return truncate (path, len);
}

/* A program read back from the cache is the one generated; another JSON
 * text (even one that hashes alike would) is generated anew; a torn cache
 * file is a miss. */
static void
test_seccomp_cache (void **state)
{
  (void) state;
  char dir[] = "/tmp/cdsccache.XXXXXX";
  assert_non_null (mkdtemp (dir));
  const char *a = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\"}]}";
  const char *b = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"rmdir\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\"}]}";
  rt_seccomp_t f1 = NULL, f2 = NULL, f3 = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (rt_seccomp_build (a, dir, &f1, &err), 0);
  assert_int_equal (rt_seccomp_build (a, dir, &f2, &err), 0);
  assert_int_equal (rt_seccomp_build (b, dir, &f3, &err), 0);
  size_t l1, l2, l3;
  const void *p1 = rt_seccomp_program (f1, &l1), *p2 = rt_seccomp_program (f2, &l2),
             *p3 = rt_seccomp_program (f3, &l3);
  assert_true (l1 > 0 && l1 == l2);
  assert_memory_equal (p1, p2, l1);
  /* f1 was generated (libseccomp can print it), f2 came from the cache (it cannot) */
  char *pfc1 = rt_seccomp_pfc (f1), *pfc2 = rt_seccomp_pfc (f2);
  assert_true (pfc1 && pfc1[0] != '\0');
  assert_true (pfc2 && pfc2[0] == '\0');
  free (pfc1);
  free (pfc2);
  assert_true (l3 != l1 || memcmp (p1, p3, l1) != 0);
  /* truncate every cache file: the next build generates again, same program */
  DIR *dd = opendir (dir);
  assert_non_null (dd);
  for (struct dirent *e; (e = readdir (dd)) != NULL;)
    if (strstr (e->d_name, ".bpf"))
      assert_int_equal (truncateat (dir, e->d_name, 40), 0);
  closedir (dd);
  rt_seccomp_t f4 = NULL;
  assert_int_equal (rt_seccomp_build (a, dir, &f4, &err), 0);
  size_t l4;
  const void *p4 = rt_seccomp_program (f4, &l4);
  assert_int_equal (l4, l1);
  assert_memory_equal (p4, p1, l1);
  rt_seccomp_free (f1);
  rt_seccomp_free (f2);
  rt_seccomp_free (f3);
  rt_seccomp_free (f4);
  assert_int_equal (cd_rm_rf (dir, &err), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_cap_names),     cmocka_unit_test (test_cap_sets),
    cmocka_unit_test (test_security_opt),  cmocka_unit_test (test_tmpfs_options),
    cmocka_unit_test (test_default_profile), cmocka_unit_test (test_profile_errors),
    cmocka_unit_test (test_runtime_rules),  cmocka_unit_test (test_seccomp_cache),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
