/* The mount parsers: the daemon's -v (HostConfig.Binds) and HostConfig.Mounts
 * rules, and the CLI's --mount CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "client/mountflags.h"
#include "daemon/vol_parse.h"

static const char *
f (json_object *m, const char *k)
{
  json_object *v;
  if (!json_object_object_get_ex (m, k, &v))
    return "absent";
  return json_object_is_type (v, json_type_string) ? json_object_get_string (v)
                                                   : json_object_to_json_string (v);
}

static void
bind_ok (const char *spec, const char *type, const char *name, const char *src, const char *dst,
         const char *rw, const char *prop)
{
  json_object *m = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (vol_parse_bind (spec, &m, &err), 0);
  assert_string_equal (f (m, "Type"), type);
  assert_string_equal (f (m, "Name"), name);
  assert_string_equal (f (m, "Source"), src);
  assert_string_equal (f (m, "Destination"), dst);
  assert_string_equal (f (m, "RW"), rw);
  assert_string_equal (f (m, "Propagation"), prop);
  json_object_put (m);
}

static void
bind_bad (const char *spec, const char *msg)
{
  json_object *m = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (vol_parse_bind (spec, &m, &err), -EINVAL);
  assert_null (m);
  assert_string_equal (err.msg, msg);
}

static void
test_binds (void **state)
{
  (void) state;
  bind_ok ("v1:/data", "volume", "v1", "", "/data", "true", "");
  bind_ok ("v1:/data:ro", "volume", "v1", "", "/data", "false", "");
  bind_ok ("/host:/h", "bind", "", "/host", "/h", "true", "rprivate");
  bind_ok ("/host:/h:ro,rslave", "bind", "", "/host", "/h", "false", "rslave");
  bind_ok ("/host:/h:rw", "bind", "", "/host", "/h", "true", "rprivate");
  bind_ok ("/data", "volume", "", "", "/data", "true", "");
  json_object *m;
  struct cd_err err = { 0 };
  assert_int_equal (vol_parse_bind ("vv:/d:nocopy", &m, &err), 0);
  assert_string_equal (f (m, "CopyUp"), "false");
  json_object_put (m);
  assert_int_equal (vol_parse_bind ("/anon", &m, &err), 0);
  assert_string_equal (f (m, "Anonymous"), "true");
  assert_string_equal (f (m, "CopyUp"), "true");
  json_object_put (m);
  bind_bad ("./data:/x", "create ./data: \"./data\" includes invalid characters for a local "
                         "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
                         "intended to pass a host directory, use absolute path");
  bind_bad ("v1:rel", "invalid mount config for type \"volume\": invalid mount path: 'rel' "
                      "mount path must be absolute");
  bind_bad ("/h:/x:bogus", "invalid mode: bogus");
  bind_bad ("/h:/x:ro,rw", "invalid mode: ro,rw");
  bind_bad ("vv:/x:rshared", "invalid mode: rshared");
  bind_bad ("a:b:c:d", "invalid spec: a:b:c:d");
  bind_bad ("::", "invalid spec: ::");
  bind_bad ("/h:/", "invalid specification: destination can't be '/'");
}

static int
mount_json (const char *text, json_object **m, struct cd_err *err)
{
  json_object *in = json_tokener_parse (text);
  int r = vol_parse_mount (in, m, err);
  json_object_put (in);
  return r;
}

static void
test_mounts (void **state)
{
  (void) state;
  json_object *m;
  struct cd_err err = { 0 };
  assert_int_equal (mount_json ("{\"Type\":\"bind\",\"Source\":\"/s\",\"Target\":\"/t\","
                                "\"ReadOnly\":true,\"BindOptions\":{\"Propagation\":\"rshared\"}}",
                                &m, &err), 0);
  assert_string_equal (f (m, "Source"), "/s");
  assert_string_equal (f (m, "RW"), "false");
  assert_string_equal (f (m, "Propagation"), "rshared");
  json_object_put (m);
  assert_int_equal (mount_json ("{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":"
                                "{\"SizeBytes\":1048576,\"Mode\":1016}}", &m, &err), 0);
  assert_string_equal (f (m, "TmpfsData"), "size=1024k,mode=1770");
  json_object_put (m);
  assert_int_equal (mount_json ("{\"Type\":\"volume\",\"Target\":\"/t\",\"VolumeOptions\":"
                                "{\"NoCopy\":true}}", &m, &err), 0);
  assert_string_equal (f (m, "Anonymous"), "true");
  assert_string_equal (f (m, "CopyUp"), "false");
  json_object_put (m);
  assert_int_equal (mount_json ("{\"Type\":\"bind\",\"Target\":\"/t\"}", &m, &err), -EINVAL);
  assert_string_equal (err.msg, "invalid mount config for type \"bind\": field Source must not "
                                "be empty");
  assert_int_equal (mount_json ("{\"Type\":\"tmpfs\",\"Source\":\"x\",\"Target\":\"/t\"}", &m,
                                &err), -EINVAL);
  assert_string_equal (err.msg, "invalid mount config for type \"tmpfs\": field Source must not "
                                "be specified");
  assert_int_equal (mount_json ("{\"Type\":\"nfs\",\"Target\":\"/t\"}", &m, &err), -EINVAL);
  assert_int_equal (mount_json ("{\"Type\":\"volume\",\"Source\":\"a/b\",\"Target\":\"/t\"}", &m,
                                &err), -EINVAL);
}

static void
test_cli_mount (void **state)
{
  (void) state;
  json_object *m;
  struct cd_err err = { 0 };
  assert_int_equal (cli_parse_mount ("type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave",
                                     &m, &err), 0);
  assert_string_equal (json_object_to_json_string_ext (m, JSON_C_TO_STRING_PLAIN
                                                          | JSON_C_TO_STRING_NOSLASHESCAPE),
                       "{\"Type\":\"bind\",\"Source\":\"/a\",\"Target\":\"/b\",\"ReadOnly\":true,"
                       "\"BindOptions\":{\"Propagation\":\"rslave\"}}");
  json_object_put (m);
  assert_int_equal (cli_parse_mount ("target=/d,volume-nocopy,volume-label=a=b,"
                                     "volume-opt=type=tmpfs", &m, &err), 0);
  assert_string_equal (json_object_to_json_string_ext (m, JSON_C_TO_STRING_PLAIN
                                                          | JSON_C_TO_STRING_NOSLASHESCAPE),
                       "{\"Target\":\"/d\",\"VolumeOptions\":{\"NoCopy\":true,\"Labels\":{\"a\":"
                       "\"b\"},\"DriverConfig\":{\"Options\":{\"type\":\"tmpfs\"}}},"
                       "\"Type\":\"volume\"}");
  json_object_put (m);
  assert_int_equal (cli_parse_mount ("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770", &m,
                                     &err), 0);
  assert_string_equal (json_object_to_json_string_ext (m, JSON_C_TO_STRING_PLAIN
                                                          | JSON_C_TO_STRING_NOSLASHESCAPE),
                       "{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":"
                       "67108864,\"Mode\":1016}}");
  json_object_put (m);
  assert_int_equal (cli_parse_mount ("type=bind,src=/a", &m, &err), -EINVAL);
  assert_string_equal (err.msg, "target is required");
  assert_int_equal (cli_parse_mount ("type=bind,dst=/a,bogus=1", &m, &err), -EINVAL);
  assert_string_equal (err.msg, "unexpected key 'bogus' in 'type=bind,dst=/a,bogus=1'");
  assert_int_equal (cli_parse_mount ("type=bind,dst=/a,volume-nocopy", &m, &err), -EINVAL);
  assert_string_equal (err.msg, "cannot mix 'volume-*' options with mount type 'bind'");
  assert_int_equal (cli_parse_mount ("type=tmpfs,dst=/a,tmpfs-size=big", &m, &err), -EINVAL);
}

static void
test_volumes_from_and_names (void **state)
{
  (void) state;
  char *name = NULL;
  int rw;
  struct cd_err err = { 0 };
  assert_int_equal (vol_parse_volumes_from ("web:ro", &name, &rw, &err), 0);
  assert_string_equal (name, "web");
  assert_int_equal (rw, 0);
  free (name);
  assert_int_equal (vol_parse_volumes_from ("web", &name, &rw, &err), 0);
  assert_int_equal (rw, -1);
  free (name);
  assert_int_equal (vol_parse_volumes_from ("web:xx", &name, &rw, &err), -EINVAL);
  assert_true (vol_name_valid ("v1"));
  assert_true (vol_name_valid ("my_vol.1-a"));
  assert_false (vol_name_valid ("v"));
  assert_false (vol_name_valid ("_v1"));
  assert_false (vol_name_valid ("a/b"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_binds),
    cmocka_unit_test (test_mounts),
    cmocka_unit_test (test_cli_mount),
    cmocka_unit_test (test_volumes_from_and_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
