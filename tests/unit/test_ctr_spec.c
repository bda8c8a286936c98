/* Container create bodies: validation naming fields, and the image merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ctr_spec.h"

static const char *image_cfg =
  "{\"config\":{\"Env\":[\"PATH=/bin\",\"A=image\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\","
  "\"Labels\":{\"from\":\"image\",\"both\":\"image\"},\"StopSignal\":\"SIGQUIT\"}}";

static int
build (const char *body, struct ctr_spec *s, struct cd_err *err)
{
  json_object *b = json_tokener_parse (body), *img = json_tokener_parse (image_cfg);
  int r = ctr_spec_build (b, img, s, err);
  json_object_put (b);
  json_object_put (img);
  return r;
}

static const char *
field_str (json_object *cfg, const char *k)
{
  json_object *v;
  return json_object_object_get_ex (cfg, k, &v) ? json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN) : "absent";
}

static void
test_merge (void **state)
{
  (void) state;
  struct ctr_spec s;
  struct cd_err err = { 0 };
  assert_int_equal (build ("{\"Image\":\"busybox\",\"Env\":[\"A=ctr\",\"B=2\"],"
                           "\"Labels\":{\"both\":\"ctr\"}}", &s, &err), 0);
  assert_string_equal (field_str (s.config, "Env"), "[\"PATH=\\/bin\",\"A=ctr\",\"B=2\"]");
  assert_string_equal (field_str (s.config, "Cmd"), "[\"sh\"]");
  assert_string_equal (field_str (s.config, "WorkingDir"), "\"\\/srv\"");
  assert_string_equal (field_str (s.config, "StopSignal"), "\"SIGQUIT\"");
  assert_string_equal (field_str (s.config, "Labels"), "{\"from\":\"image\",\"both\":\"ctr\"}");
  assert_string_equal (field_str (s.host_config, "NetworkMode"), "\"default\"");
  assert_string_equal (field_str (s.host_config, "ShmSize"), "67108864");
  ctr_spec_free (&s);
}

static void
test_entrypoint_drops_image_cmd (void **state)
{
  (void) state;
  struct ctr_spec s;
  struct cd_err err = { 0 };
  assert_int_equal (build ("{\"Image\":\"x\",\"Entrypoint\":\"echo\"}", &s, &err), 0);
  json_object *argv = ctr_spec_argv (s.config);
  assert_string_equal (json_object_to_json_string_ext (argv, JSON_C_TO_STRING_PLAIN), "[\"echo\"]");
  json_object_put (argv);
  ctr_spec_free (&s);
  assert_int_equal (build ("{\"Image\":\"x\",\"Cmd\":[\"echo\",\"hi\"]}", &s, &err), 0);
  argv = ctr_spec_argv (s.config);
  assert_string_equal (json_object_to_json_string_ext (argv, JSON_C_TO_STRING_PLAIN),
                       "[\"echo\",\"hi\"]");
  json_object_put (argv);
  ctr_spec_free (&s);
  /* an explicit empty Entrypoint with no Cmd leaves nothing to run */
  assert_int_equal (build ("{\"Image\":\"x\",\"Entrypoint\":[]}", &s, &err), -EINVAL);
  assert_string_equal (err.msg, "no command specified");
}

static void
test_validation (void **state)
{
  (void) state;
  struct ctr_spec s;
  struct cd_err err = { 0 };
  assert_int_equal (build ("{\"Image\":\"x\",\"Env\":\"A=1\"}", &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "field Env"));
  assert_int_equal (build ("{\"Image\":\"x\",\"Tty\":\"yes\"}", &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "field Tty"));
  assert_int_equal (build ("{\"Image\":\"x\",\"Cmd\":[1]}", &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "field Cmd[0]"));
  assert_int_equal (build ("{\"Image\":\"x\",\"HostConfig\":{\"Memory\":\"1g\"}}", &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "field Memory"));
  assert_int_equal (build ("{\"Image\":\"x\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}",
                           &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "unknown policy 'sometimes'"));
  assert_int_equal (build ("{\"Image\":\"x\",\"HostConfig\":{\"AutoRemove\":true,"
                           "\"RestartPolicy\":{\"Name\":\"always\"}}}", &s, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "--restart and --rm"));
  assert_int_equal (build ("{\"Image\":\"x\",\"HostConfig\":{\"NetworkMode\":\"nonet\"}}", &s, &err),
                    -ENOENT);
  assert_int_equal (build ("{\"Image\":\"x\",\"Env\":[\"=x\"]}", &s, &err), -EINVAL);
}

static void
test_names (void **state)
{
  (void) state;
  assert_true (ctr_name_valid ("web"));
  assert_true (ctr_name_valid ("/web-1.a_b"));
  assert_false (ctr_name_valid ("a"));
  assert_false (ctr_name_valid ("-web"));
  assert_false (ctr_name_valid ("we b"));
  assert_false (ctr_name_valid ("web/x"));
  char buf[64];
  ctr_random_name (buf, sizeof buf);
  assert_true (ctr_name_valid (buf));
  assert_non_null (strchr (buf, '_'));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_merge),
    cmocka_unit_test (test_entrypoint_drops_image_cmd),
    cmocka_unit_test (test_validation),
    cmocka_unit_test (test_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
