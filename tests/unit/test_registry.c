/* Unit tests for images/registry_http.c: X-Registry-Auth decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "images/registry.h"

static void
test_url_alphabet_with_padding (void **state)
{
  (void) state;
  /* {"username":"a?b","password":"p>w"}: '?' and '>' give '/' and '+' in base64 */
  const char *std = "eyJ1c2VybmFtZSI6ImE/YiIsInBhc3N3b3JkIjoicD53In0=";
  char url[128];
  strcpy (url, std);
  for (char *p = url; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  const char *forms[] = { std, url };
  for (int i = 0; i < 2; i++)
    {
      struct img_reg_creds c;
      struct cd_err err = { 0 };
      assert_int_equal (img_reg_creds_parse (forms[i], &c, &err), 0);
      assert_string_equal (c.username, "a?b");
      assert_string_equal (c.password, "p>w");
      assert_null (c.registrytoken);
      img_reg_creds_clear (&c);
    }
}

static void
test_empty_and_tokens (void **state)
{
  (void) state;
  struct img_reg_creds c;
  struct cd_err err = { 0 };
  assert_int_equal (img_reg_creds_parse (NULL, &c, &err), 0);
  assert_null (c.username);
  assert_int_equal (img_reg_creds_parse ("", &c, &err), 0);
  assert_int_equal (img_reg_creds_parse ("e30=", &c, &err), 0); /* {} from the docker CLI */
  assert_null (c.username);
  /* {"identitytoken":"tok"} */
  assert_int_equal (img_reg_creds_parse ("eyJpZGVudGl0eXRva2VuIjoidG9rIn0", &c, &err), 0);
  assert_string_equal (c.registrytoken, "tok");
  img_reg_creds_clear (&c);
}

static void
test_garbage_refused (void **state)
{
  (void) state;
  struct img_reg_creds c;
  struct cd_err err = { 0 };
  assert_int_equal (img_reg_creds_parse ("not base64!", &c, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "X-Registry-Auth"));
  assert_int_equal (img_reg_creds_parse ("aGVsbG8=", &c, &err), -EINVAL); /* "hello" */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_url_alphabet_with_padding),
    cmocka_unit_test (test_empty_and_tokens),
    cmocka_unit_test (test_garbage_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
