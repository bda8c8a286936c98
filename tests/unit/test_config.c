/* daemon configuration: defaults, file, flags winning, errors naming keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config.h"

static char dir[] = "/tmp/cd-config-test.XXXXXX";

static const char *
write_cfg (const char *text)
{
  static char path[256];
  snprintf (path, sizeof path, "%s/daemon.json", dir);
  FILE *f = fopen (path, "w");
  fputs (text, f);
  fclose (f);
  return path;
}

static int
load (struct cd_config *c, struct cd_err *err, int argc, ...)
{
  char *argv[16] = { "cdaemon" };
  va_list ap;
  va_start (ap, argc);
  for (int i = 0; i < argc; i++)
    argv[i + 1] = va_arg (ap, char *);
  va_end (ap);
  return cd_config_load (c, argc + 1, argv, err);
}

static void
test_defaults (void **state)
{
  (void) state;
  struct cd_config c;
  struct cd_err err = { 0 };
  const char *p = write_cfg ("{}");
  assert_int_equal (load (&c, &err, 2, "--config", p), 0);
  assert_string_equal (c.host, "unix:///run/cdaemon.sock");
  assert_string_equal (c.root, "/var/lib/cdaemon");
  assert_string_equal (c.exec_root, "/run/cdaemon");
  assert_int_equal (c.log_level, CD_LOG_INFO);
  assert_string_equal (cd_config_socket_path (&c), "/run/cdaemon.sock");
  cd_config_free (&c);
}

static void
test_file_then_flags (void **state)
{
  (void) state;
  struct cd_config c;
  struct cd_err err = { 0 };
  const char *p = write_cfg ("{\"data-root\": \"/srv/cd\", \"log-level\": \"error\","
                             " \"hosts\": [\"unix:///tmp/x.sock\"], \"log-opts\": {\"max-size\": \"1m\"}}");
  assert_int_equal (load (&c, &err, 2, "--config", p), 0);
  assert_string_equal (c.root, "/srv/cd");
  assert_int_equal (c.log_level, CD_LOG_ERROR);
  assert_string_equal (c.host, "unix:///tmp/x.sock");
  assert_non_null (c.log_opts);
  cd_config_free (&c);
  assert_int_equal (load (&c, &err, 5, "--config", p, "--root=/srv/other", "--log-level", "debug"), 0);
  assert_string_equal (c.root, "/srv/other");
  assert_int_equal (c.log_level, CD_LOG_DEBUG);
  cd_config_free (&c);
}

static void
test_errors (void **state)
{
  (void) state;
  struct cd_config c;
  struct cd_err err = { 0 };
  const char *p = write_cfg ("{\"frobnicate\": true}");
  assert_int_equal (load (&c, &err, 2, "--config", p), -EINVAL);
  assert_non_null (strstr (err.msg, "unknown key `frobnicate`"));
  cd_config_free (&c);
  p = write_cfg ("{\"log-level\": ");
  assert_int_equal (load (&c, &err, 2, "--config", p), -EINVAL);
  assert_non_null (strstr (err.msg, "invalid JSON"));
  cd_config_free (&c);
  p = write_cfg ("{\"data-root\": 5}");
  assert_int_equal (load (&c, &err, 2, "--config", p), -EINVAL);
  assert_non_null (strstr (err.msg, "`data-root` must be a string"));
  cd_config_free (&c);
  p = write_cfg ("{}");
  assert_int_equal (load (&c, &err, 3, "--config", p, "--bogus"), -EINVAL);
  assert_non_null (strstr (err.msg, "unknown flag --bogus"));
  cd_config_free (&c);
  assert_int_equal (load (&c, &err, 4, "--config", p, "-H", "tcp://1.2.3.4:1"), -EINVAL);
  cd_config_free (&c);
  assert_int_equal (load (&c, &err, 4, "--config", p, "--root", "relative"), -EINVAL);
  cd_config_free (&c);
  assert_int_equal (load (&c, &err, 2, "--config", "/nonexistent/daemon.json"), -ENOENT);
  cd_config_free (&c);
}

/* --init / init-path, from the file or the flags. */
static void
test_init (void **state)
{
  (void) state;
  struct cd_config c;
  struct cd_err err = { 0 };
  const char *p = write_cfg ("{}");
  assert_int_equal (load (&c, &err, 2, "--config", p), 0);
  assert_false (c.init);
  assert_null (c.init_path);
  cd_config_free (&c);
  p = write_cfg ("{\"init\": true, \"init-path\": \"/opt/init\"}");
  assert_int_equal (load (&c, &err, 2, "--config", p), 0);
  assert_true (c.init);
  assert_string_equal (c.init_path, "/opt/init");
  cd_config_free (&c);
  p = write_cfg ("{}");
  assert_int_equal (load (&c, &err, 5, "--config", p, "--init", "--init-path", "/x/cdinit"), 0);
  assert_true (c.init);
  assert_string_equal (c.init_path, "/x/cdinit");
  cd_config_free (&c);
  p = write_cfg ("{\"init\": \"yes\"}");
  assert_int_equal (load (&c, &err, 2, "--config", p), -EINVAL);
  assert_non_null (strstr (err.msg, "`init` must be true or false"));
  cd_config_free (&c);
  p = write_cfg ("{\"init-path\": \"cdinit\"}");
  assert_int_equal (load (&c, &err, 2, "--config", p), -EINVAL);
  assert_non_null (strstr (err.msg, "--init-path must be an absolute path"));
  cd_config_free (&c);
}

static int
setup (void **state)
{
  (void) state;
  return mkdtemp (dir) ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  char path[256];
  snprintf (path, sizeof path, "%s/daemon.json", dir);
  unlink (path);
  return rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_defaults),
    cmocka_unit_test (test_file_then_flags),
    cmocka_unit_test (test_errors),
    cmocka_unit_test (test_init),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
