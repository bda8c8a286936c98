/* The OCI config.json generated for a container. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/bundle.h"

static json_object *
build (const char *cfg, const char *hc)
{
  json_object *c = json_tokener_parse (cfg), *h = json_tokener_parse (hc), *out = NULL;
  struct bundle_in in = { .id = "abc", .config = c, .host_config = h, .ctr_dir = "/r/containers/abc",
                          .lowerdir = "/l1:/l2", .upperdir = "/u", .workdir = "/w", .merged = "/m",
                          .cgroup_parent = "cdaemon" };
  struct cd_err err = { 0 };
  assert_int_equal (bundle_build (&in, &out, &err), 0);
  json_object_put (c);
  json_object_put (h);
  return out;
}

static const char *
at (json_object *o, const char *path)
{
  char buf[256];
  snprintf (buf, sizeof buf, "%s", path);
  json_object *v = o;
  for (char *save = NULL, *k = strtok_r (buf, ".", &save); k && v; k = strtok_r (NULL, ".", &save))
    {
      if (json_object_is_type (v, json_type_array))
        v = json_object_array_get_idx (v, (size_t) atoi (k));
      else if (!json_object_object_get_ex (v, k, &v))
        v = NULL;
    }
  return v ? json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "absent";
}

static void
test_defaults (void **state)
{
  (void) state;
  json_object *o = build ("{\"Hostname\":\"abc\",\"Cmd\":[\"echo\",\"hi\"],\"Env\":[\"A=1\"]}",
                          "{\"NetworkMode\":\"none\",\"ShmSize\":67108864}");
  assert_string_equal (at (o, "process.args"), "[\"echo\",\"hi\"]");
  assert_string_equal (at (o, "process.cwd"), "\"/\"");
  assert_string_equal (at (o, "process.env.1"), "\"HOSTNAME=abc\"");
  assert_string_equal (at (o, "process.env.2"), "\"A=1\"");
  assert_int_equal (json_object_array_length (json_object_object_get (json_object_object_get (json_object_object_get (o, "process"), "capabilities"), "bounding")), 14);
  assert_string_equal (at (o, "root.path"), "\"/m\"");
  assert_string_equal (at (o, "hostname"), "\"abc\"");
  assert_string_equal (at (o, "linux.cgroupsPath"), "\"/cdaemon/abc\"");
  assert_string_equal (at (o, "linux.namespaces.5.type"), "\"network\"");
  assert_string_equal (at (o, "linux.namespaces.5.path"), "absent");
  json_object *ann = json_object_object_get (o, "annotations");
  assert_string_equal (json_object_get_string (json_object_object_get (ann, "cdaemon.overlay.lowerdir")), "/l1:/l2");
  assert_null (json_object_object_get (ann, "cdaemon.user"));
  /* /etc/hosts is bound from the container's directory; shm has its size */
  const char *mounts = at (o, "mounts");
  assert_non_null (strstr (mounts, "\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/r/containers/abc/hosts\""));
  assert_non_null (strstr (mounts, "size=67108864"));
  assert_non_null (strstr (at (o, "linux.maskedPaths"), "/proc/kcore"));
  json_object_put (o);
}

static void
test_host_network_user_workdir (void **state)
{
  (void) state;
  json_object *o = build ("{\"Hostname\":\"h\",\"Entrypoint\":[\"sh\"],\"User\":\"cduser\","
                          "\"WorkingDir\":\"/work\",\"Env\":[\"PATH=/x\",\"HOSTNAME=mine\"]}",
                          "{\"NetworkMode\":\"host\",\"ShmSize\":1024}");
  assert_int_equal (json_object_array_length (json_object_object_get (json_object_object_get (o, "linux"), "namespaces")), 5);
  assert_string_equal (at (o, "process.env"), "[\"PATH=/x\",\"HOSTNAME=mine\"]");
  assert_string_equal (at (o, "process.cwd"), "\"/work\"");
  json_object *ann = json_object_object_get (o, "annotations");
  assert_string_equal (json_object_get_string (json_object_object_get (ann, "cdaemon.user")), "cduser");
  assert_string_equal (json_object_get_string (json_object_object_get (ann, "cdaemon.mkcwd")), "1");
  json_object_put (o);
}

/* --init: docker-init -- argv, cdinit bind-mounted read-only at Docker's path. */
static void
test_init (void **state)
{
  (void) state;
  json_object *c = json_tokener_parse ("{\"Entrypoint\":[\"sh\",\"-c\"],\"Cmd\":[\"exit 3\"]}");
  json_object *h = json_tokener_parse ("{\"ShmSize\":67108864}"), *o = NULL;
  struct bundle_in in = { .id = "abc", .config = c, .host_config = h, .ctr_dir = "/r/containers/abc",
                          .lowerdir = "/l", .upperdir = "/u", .workdir = "/w", .merged = "/m",
                          .cgroup_parent = "cdaemon", .init_path = "/usr/local/bin/cdinit" };
  struct cd_err err = { 0 };
  assert_int_equal (bundle_build (&in, &o, &err), 0);
  assert_string_equal (at (o, "process.args"), "[\"/sbin/docker-init\",\"--\",\"sh\",\"-c\",\"exit 3\"]");
  json_object *m = json_object_object_get (o, "mounts");
  json_object *last = json_object_array_get_idx (m, json_object_array_length (m) - 1);
  assert_string_equal (at (last, "destination"), "\"/sbin/docker-init\"");
  assert_string_equal (at (last, "source"), "\"/usr/local/bin/cdinit\"");
  assert_string_equal (at (last, "options"), "[\"bind\",\"ro\"]");
  json_object_put (o);
  json_object_put (c);
  json_object_put (h);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_defaults),
    cmocka_unit_test (test_host_network_user_workdir),
    cmocka_unit_test (test_init),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
