/* Unit tests for images/import_changes.c: Dockerfile change lines applied to
 * an image config (docker import --change). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images/import.h"

#define PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Applies the lines (NULL-terminated) to a fresh base config; fails the test
 * on an error. */
static json_object *
apply (const char *const *lines)
{
  json_object *cfg = img_import_base_config ();
  assert_non_null (cfg);
  json_object *changes = json_object_new_array ();
  for (; *lines; lines++)
    json_object_array_add (changes, json_object_new_string (*lines));
  struct cd_err err = { 0 };
  int r = img_changes_apply (cfg, changes, &err);
  json_object_put (changes);
  if (r != 0)
    fail_msg ("unexpected error %d: %s", r, err.msg);
  return cfg;
}

static void
expect_json (json_object *cfg, const char *field, const char *want)
{
  json_object *v = NULL;
  json_object_object_get_ex (cfg, field, &v);
  const char *got = v ? json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN
                                                               | JSON_C_TO_STRING_NOSLASHESCAPE)
                      : "null";
  if (strcmp (got, want) != 0)
    fail_msg ("%s is %s, want %s", field, got, want);
}

static void
expect_error (const char *line, const char *msg)
{
  json_object *cfg = img_import_base_config ();
  struct cd_err err = { 0 };
  int r = img_change_apply (cfg, line, 3, &err);
  json_object_put (cfg);
  if (r != -EINVAL)
    fail_msg ("`%s`: got %d (%s), want -EINVAL", line, r, err.msg);
  if (strcmp (err.msg, msg) != 0)
    fail_msg ("`%s`: message \"%s\", want \"%s\"", line, err.msg, msg);
}

static void
test_base_config (void **state)
{
  (void) state;
  json_object *cfg = img_import_base_config ();
  expect_json (cfg, "Env", "[\"" PATH_ENV "\"]");
  expect_json (cfg, "Cmd", "null");
  expect_json (cfg, "WorkingDir", "\"\"");
  json_object_put (cfg);
}

static void
test_cmd_entrypoint (void **state)
{
  (void) state;
  json_object *cfg = apply ((const char *[]){ "CMD echo hi  ", NULL });
  expect_json (cfg, "Cmd", "[\"/bin/sh\",\"-c\",\"echo hi\"]");
  json_object_put (cfg);
  cfg = apply ((const char *[]){ "cmd [\"/bin/ls\", \"-l\"]", "ENTRYPOINT [\"/init\"]", NULL });
  expect_json (cfg, "Cmd", "[\"/bin/ls\",\"-l\"]");
  expect_json (cfg, "Entrypoint", "[\"/init\"]");
  json_object_put (cfg);
  /* not a JSON list of strings: shell form, kept verbatim */
  cfg = apply ((const char *[]){ "CMD [1, 2]", "ENTRYPOINT exec \"$X\"", NULL });
  expect_json (cfg, "Cmd", "[\"/bin/sh\",\"-c\",\"[1, 2]\"]");
  expect_json (cfg, "Entrypoint", "[\"/bin/sh\",\"-c\",\"exec \\\"$X\\\"\"]");
  json_object_put (cfg);
}

static void
test_env (void **state)
{
  (void) state;
  json_object *cfg = apply ((const char *[]){ "ENV A=1 B=\"two words\" C='$A'",
                                              "ENV D legacy value  here", "ENV A=3",
                                              "ENV PATH=/opt/bin:$PATH E=${A}x",
                                              "ENV F=${NOPE:-dflt} G=${A:+set} H=\\$A", NULL });
  expect_json (cfg, "Env",
               "[\"PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
               "\"A=3\",\"B=two words\",\"C=$A\",\"D=legacy value  here\",\"E=3x\","
               "\"F=dflt\",\"G=set\",\"H=$A\"]");
  json_object_put (cfg);
}

static void
test_workdir_user_signal (void **state)
{
  (void) state;
  json_object *cfg = apply ((const char *[]){ "WORKDIR /app", "WORKDIR sub/./x/..",
                                              "USER 1000:1000", "STOPSIGNAL SIGUSR1", NULL });
  expect_json (cfg, "WorkingDir", "\"/app/sub\"");
  expect_json (cfg, "User", "\"1000:1000\"");
  expect_json (cfg, "StopSignal", "\"SIGUSR1\"");
  json_object_put (cfg);
  cfg = apply ((const char *[]){ "ENV D=/data", "WORKDIR $D/../srv", "STOPSIGNAL 9", NULL });
  expect_json (cfg, "WorkingDir", "\"/srv\"");
  expect_json (cfg, "StopSignal", "\"9\"");
  json_object_put (cfg);
}

static void
test_expose_label_volume (void **state)
{
  (void) state;
  json_object *cfg = apply ((const char *[]){ "EXPOSE 80 53/UDP 8000-8002/tcp",
                                              "LABEL a=b \"c d\"=\"e f\"",
                                              "LABEL legacy one two",
                                              "VOLUME [\"/data\", \"/logs\"]", "VOLUME /a /b",
                                              NULL });
  expect_json (cfg, "ExposedPorts",
               "{\"80/tcp\":{},\"53/udp\":{},\"8000/tcp\":{},\"8001/tcp\":{},\"8002/tcp\":{}}");
  expect_json (cfg, "Labels", "{\"a\":\"b\",\"c d\":\"e f\",\"legacy\":\"one two\"}");
  expect_json (cfg, "Volumes", "{\"/data\":{},\"/logs\":{},\"/a\":{},\"/b\":{}}");
  json_object_put (cfg);
}

static void
test_multiline_and_comments (void **state)
{
  (void) state;
  json_object *cfg = apply ((const char *[]){ "# a comment", "", "  USER a\nWORKDIR /w",
                                              "ONBUILD RUN make", NULL });
  expect_json (cfg, "User", "\"a\"");
  expect_json (cfg, "WorkingDir", "\"/w\"");
  expect_json (cfg, "OnBuild", "[\"RUN make\"]");
  json_object_put (cfg);
  /* line numbers count across entries and their lines */
  json_object *c2 = img_import_base_config (), *changes = json_object_new_array ();
  json_object_array_add (changes, json_object_new_string ("USER a\nUSER b"));
  json_object_array_add (changes, json_object_new_string ("NOPE x"));
  struct cd_err err = { 0 };
  assert_int_equal (img_changes_apply (c2, changes, &err), -EINVAL);
  assert_string_equal (err.msg, "dockerfile parse error line 3: unknown instruction: NOPE");
  json_object_put (changes);
  json_object_put (c2);
}

static void
test_errors (void **state)
{
  (void) state;
  expect_error ("FROB x", "dockerfile parse error line 3: unknown instruction: FROB");
  expect_error ("frob", "dockerfile parse error line 3: unknown instruction: FROB");
  expect_error ("RUN make", "run is not a valid change command");
  expect_error ("FROM busybox", "from is not a valid change command");
  expect_error ("CMD", "dockerfile parse error line 3: CMD requires at least one argument");
  expect_error ("ENV lonely", "dockerfile parse error line 3: ENV must have two arguments");
  expect_error ("ENV a=1 b", "dockerfile parse error line 3: Syntax error - can't find = in \"b\"."
                             " Must be of the form: name=value");
  expect_error ("ENV =x", "dockerfile parse error line 3: ENV names can not be blank");
  expect_error ("LABEL a=\"open", "dockerfile parse error line 3: unexpected end of statement while"
                                  " looking for matching double-quote");
  expect_error ("EXPOSE http", "dockerfile parse error line 3: invalid containerPort: http");
  expect_error ("EXPOSE 70000", "dockerfile parse error line 3: invalid containerPort: 70000");
  expect_error ("EXPOSE 80/xtp", "dockerfile parse error line 3: invalid proto: xtp");
  expect_error ("EXPOSE 90-80", "dockerfile parse error line 3: invalid containerPort: 90-80");
  expect_error ("VOLUME [\"\"]", "dockerfile parse error line 3: VOLUME specified can not be an"
                                 " empty string");
  expect_error ("STOPSIGNAL SIGNOPE", "dockerfile parse error line 3: Invalid signal: SIGNOPE");
  expect_error ("STOPSIGNAL 0", "dockerfile parse error line 3: Invalid signal: 0");
  expect_error ("WORKDIR ${X", "dockerfile parse error line 3: missing '}' or bad variable name in"
                               " `${X`");
}

static void
test_not_an_array (void **state)
{
  (void) state;
  json_object *cfg = img_import_base_config (), *s = json_object_new_string ("CMD x");
  struct cd_err err = { 0 };
  assert_int_equal (img_changes_apply (cfg, s, &err), -EINVAL);
  assert_int_equal (img_changes_apply (cfg, NULL, &err), 0);
  json_object_put (s);
  json_object_put (cfg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_base_config),
    cmocka_unit_test (test_cmd_entrypoint),
    cmocka_unit_test (test_env),
    cmocka_unit_test (test_workdir_user_signal),
    cmocka_unit_test (test_expose_label_volume),
    cmocka_unit_test (test_multiline_and_comments),
    cmocka_unit_test (test_errors),
    cmocka_unit_test (test_not_an_array),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
