/* cdctl's flag tables: parsing, errors as docker words them, help, hosts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/cli.h"
#include "client/filters.h"
#include "client/flags.h"
#include "client/http.h"

static const struct cli_flag flags[] = {
  { "all", 'a', CLI_FLAG_BOOL, NULL, "Show all", NULL, NULL },
  { "filter", 'f', CLI_FLAG_LIST, "filter", "Filter", NULL, cli_filter_check },
  { "format", 0, CLI_FLAG_STRING, NULL, "Format", NULL, NULL },
  { "time", 't', CLI_FLAG_INT, NULL, "Seconds", "10", NULL },
  { "hostname", 'h', CLI_FLAG_STRING, NULL, "Host name", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

/* argv must be writable (getopt permutes it). */
static int
parse (struct cli_args *a, int stop, struct cd_err *err, int argc, ...)
{
  static char *argv[32];
  va_list ap;
  va_start (ap, argc);
  for (int i = 0; i < argc; i++)
    argv[i] = va_arg (ap, char *);
  va_end (ap);
  argv[argc] = NULL;
  return cli_args_parse (a, flags, stop, argc, argv, err);
}

static void
test_parse_values (void **state)
{
  (void) state;
  struct cli_args a;
  struct cd_err err = { 0 };
  assert_int_equal (
      parse (&a, 0, &err, 8, "ps", "-a", "x", "--filter", "a=b", "-fc=d", "--format=json", "y"), 0);
  assert_true (cli_args_bool (&a, "all"));
  size_t n;
  const char *const *l = cli_args_list (&a, "filter", &n);
  assert_int_equal (n, 2);
  assert_string_equal (l[0], "a=b");
  assert_string_equal (l[1], "c=d");
  assert_string_equal (cli_args_str (&a, "format"), "json");
  assert_int_equal (cli_args_int (&a, "time"), 10); /* the default */
  assert_false (cli_args_isset (&a, "time"));
  assert_int_equal (a.argc, 2); /* flags and words interleave */
  assert_string_equal (a.argv[0], "x");
  assert_string_equal (a.argv[1], "y");
  assert_false (a.help);
  cli_args_free (&a);

  assert_int_equal (parse (&a, 0, &err, 4, "ps", "--all=false", "-t", "3"), 0);
  assert_false (cli_args_bool (&a, "all"));
  assert_int_equal (cli_args_int (&a, "time"), 3);
  cli_args_free (&a);
}

static void
test_parse_stop_and_help (void **state)
{
  (void) state;
  struct cli_args a;
  struct cd_err err = { 0 };
  assert_int_equal (parse (&a, 1, &err, 5, "run", "-a", "busybox", "ls", "-l"), 0);
  assert_true (cli_args_bool (&a, "all"));
  assert_int_equal (a.argc, 3);
  assert_string_equal (a.argv[2], "-l");
  cli_args_free (&a);

  /* -h belongs to --hostname here; --help still works */
  assert_int_equal (parse (&a, 0, &err, 3, "run", "-h", "box"), 0);
  assert_string_equal (cli_args_str (&a, "hostname"), "box");
  assert_false (a.help);
  cli_args_free (&a);
  assert_int_equal (parse (&a, 0, &err, 2, "run", "--help"), 0);
  assert_true (a.help);
  cli_args_free (&a);
}

static void
check_error (const char *want, int argc, char *arg1, char *arg2)
{
  struct cli_args a;
  struct cd_err err = { 0 };
  assert_int_equal (parse (&a, 0, &err, argc, "events", arg1, arg2), -EINVAL);
  assert_string_equal (err.msg, want);
  cli_args_free (&a);
}

static void
test_parse_errors (void **state)
{
  (void) state;
  check_error ("unknown flag: --foo", 2, "--foo=1", NULL);
  check_error ("unknown shorthand flag: 'x' in -x", 2, "-x", NULL);
  check_error ("flag needs an argument: 'f' in -f", 2, "-f", NULL);
  check_error ("flag needs an argument: --format", 2, "--format", NULL);
  check_error ("invalid argument \"bad\" for \"-f, --filter\" flag: bad format of filter "
               "(expected name=value)",
               3, "-f", "bad");
  check_error ("invalid argument \"x\" for \"-t, --time\" flag: strconv.ParseInt: parsing "
               "\"x\": invalid syntax",
               3, "-t", "x");
  check_error ("invalid argument \"maybe\" for \"-a, --all\" flag: strconv.ParseBool: parsing "
               "\"maybe\": invalid syntax",
               2, "--all=maybe", NULL);
}

static void
test_help_text (void **state)
{
  (void) state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  cli_flags_help (f, flags);
  fclose (f);
  assert_string_equal (buf, "Options:\n"
                            "  -a, --all               Show all\n"
                            "  -f, --filter filter     Filter\n"
                            "      --format string     Format\n"
                            "  -t, --time int          Seconds (default 10)\n"
                            "  -h, --hostname string   Host name\n");
  free (buf);
}

static void
test_check_args (void **state)
{
  (void) state;
  struct cd_err err = { 0 };
  struct cli_cmd none = { .name = "version", .max_args = 0 };
  struct cli_cmd some = { .name = "rm", .min_args = 1, .max_args = -1 };
  assert_int_equal (cli_cmd_check_args ("cdctl version", &none, 0, &err), 0);
  assert_true (cli_cmd_check_args ("cdctl version", &none, 1, &err) < 0);
  assert_string_equal (err.msg, "cdctl: 'cdctl version' accepts no arguments");
  assert_true (cli_cmd_check_args ("cdctl rm", &some, 0, &err) < 0);
  assert_string_equal (err.msg, "cdctl: 'cdctl rm' requires at least 1 argument");
  assert_int_equal (cli_cmd_check_args ("cdctl rm", &some, 5, &err), 0);
}

static void
test_host (void **state)
{
  (void) state;
  char *path = NULL;
  struct cd_err err = { 0 };
  assert_int_equal (cli_host_socket_path ("unix:///run/cdaemon.sock", &path, &err), 0);
  assert_string_equal (path, "/run/cdaemon.sock");
  free (path);
  assert_int_equal (cli_host_socket_path ("/tmp/x.sock", &path, &err), 0);
  assert_string_equal (path, "/tmp/x.sock");
  free (path);
  assert_true (cli_host_socket_path ("tcp://1.2.3.4:2375", &path, &err) < 0);
  assert_true (cli_host_socket_path ("unix://relative.sock", &path, &err) < 0);

  unsetenv (CLI_HOST_ENV);
  assert_string_equal (cli_host_choose (NULL), CLI_DEFAULT_HOST);
  setenv (CLI_HOST_ENV, "unix:///tmp/env.sock", 1);
  assert_string_equal (cli_host_choose (NULL), "unix:///tmp/env.sock");
  assert_string_equal (cli_host_choose ("unix:///tmp/flag.sock"), "unix:///tmp/flag.sock");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_values), cmocka_unit_test (test_parse_stop_and_help),
    cmocka_unit_test (test_parse_errors), cmocka_unit_test (test_help_text),
    cmocka_unit_test (test_check_args),   cmocka_unit_test (test_host),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
