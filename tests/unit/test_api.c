/* Pure logic of the API layer: version prefixes, routing, filters, events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api/filters.h"
#include "api/router.h"
#include "daemon/events.h"

static void
test_version_prefix (void **state)
{
  (void) state;
  const char *rest;
  int minor;
  struct cd_err err = { 0 };
  assert_int_equal (api_parse_version ("/v1.41/containers/json", &rest, &minor, &err), 0);
  assert_string_equal (rest, "/containers/json");
  assert_int_equal (minor, 41);
  assert_int_equal (api_parse_version ("/v1.24/_ping", &rest, &minor, &err), 0);
  assert_int_equal (minor, 24);
  assert_int_equal (api_parse_version ("/_ping", &rest, &minor, &err), 0);
  assert_string_equal (rest, "/_ping");
  assert_int_equal (minor, 41);
  assert_int_equal (api_parse_version ("/v1.42/info", &rest, &minor, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "client version 1.42 is too new"));
  assert_int_equal (api_parse_version ("/v1.23/info", &rest, &minor, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "too old"));
  assert_int_equal (api_parse_version ("/v2.0/info", &rest, &minor, &err), -EINVAL);
  /* not a version: a path segment that merely starts with v */
  assert_int_equal (api_parse_version ("/volumes/x", &rest, &minor, &err), 0);
  assert_string_equal (rest, "/volumes/x");
}

static void
test_route_match (void **state)
{
  (void) state;
  struct api_req req;
  memset (&req, 0, sizeof req);
  bool known;
  const struct api_route *r = api_route_match (&req, "GET", "/_ping", &known);
  assert_non_null (r);
  assert_true (known);
  r = api_route_match (&req, "HEAD", "/_ping", &known);
  assert_non_null (r);
  assert_string_equal (r->method, "GET");
  r = api_route_match (&req, "DELETE", "/_ping", &known);
  assert_null (r);
  assert_true (known);
  r = api_route_match (&req, "GET", "/nothing/here", &known);
  assert_null (r);
  assert_false (known);
  r = api_route_match (&req, "GET", "/info/", &known);
  assert_non_null (r);
  for (int i = 0; i < req.nparams; i++)
    free (req.params[i]);
}

static void
test_filters_parse (void **state)
{
  (void) state;
  static const char *const allowed[] = { "type", "label", NULL };
  struct cd_err err = { 0 };
  json_object *f = api_filters_parse ("{\"type\":[\"container\",\"image\"]}", allowed, &err);
  assert_non_null (f);
  json_object *set;
  assert_true (json_object_object_get_ex (f, "type", &set));
  assert_true (json_object_object_get_ex (set, "image", NULL));
  json_object_put (f);
  f = api_filters_parse ("{\"type\":{\"container\":true}}", allowed, &err);
  assert_non_null (f);
  json_object_put (f);
  assert_null (api_filters_parse ("{\"nope\":[\"x\"]}", allowed, &err));
  assert_string_equal (err.msg, "invalid filter 'nope'");
  assert_null (api_filters_parse ("[1]", allowed, &err));
  assert_null (api_filters_parse ("{\"type\":[1]}", allowed, &err));
  assert_null (api_filters_parse ("{\"type\":\"x\"}", allowed, &err));
}

static void
test_event_filters (void **state)
{
  (void) state;
  static const char *const allowed[] = { "type", "event", "container", "image", "label", NULL };
  struct cd_err err = { 0 };
  json_object *attrs = json_tokener_parse ("{\"name\":\"web\",\"image\":\"busybox\",\"app\":\"x\"}");
  json_object *f = api_filters_parse ("{\"type\":[\"container\"],\"event\":[\"start\"]}", allowed,
                                      &err);
  assert_true (ev_filter_match (f, "container", "start", "abc", attrs));
  assert_false (ev_filter_match (f, "container", "stop", "abc", attrs));
  assert_false (ev_filter_match (f, "image", "start", "abc", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"container\":[\"web\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "container", "die", "abc", attrs));
  assert_false (ev_filter_match (f, "image", "tag", "abc", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"event\":[\"exec_start\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "container", "exec_start: sh -c true", "abc", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"label\":[\"app=x\"]}", allowed, &err);
  assert_true (ev_filter_match (f, "container", "start", "abc", attrs));
  json_object_put (f);
  f = api_filters_parse ("{\"label\":[\"app=y\"]}", allowed, &err);
  assert_false (ev_filter_match (f, "container", "start", "abc", attrs));
  json_object_put (f);
  assert_true (ev_filter_match (NULL, "daemon", "reload", "id", NULL));
  json_object_put (attrs);
}

static void
test_event_encode (void **state)
{
  (void) state;
  json_object *attrs = json_tokener_parse ("{\"name\":\"web\",\"image\":\"busybox\"}");
  char *s = ev_encode (1700000000123456789LL, "container", "start", "abc", attrs, "local");
  json_object *o = json_tokener_parse (s);
  assert_non_null (o);
  json_object *v;
  assert_true (json_object_object_get_ex (o, "timeNano", &v));
  assert_int_equal (json_object_get_int64 (v), 1700000000123456789LL);
  assert_true (json_object_object_get_ex (o, "time", &v));
  assert_int_equal (json_object_get_int64 (v), 1700000000);
  assert_true (json_object_object_get_ex (o, "status", &v));
  assert_string_equal (json_object_get_string (v), "start");
  assert_true (json_object_object_get_ex (o, "from", &v));
  assert_string_equal (json_object_get_string (v), "busybox");
  assert_true (json_object_object_get_ex (o, "Actor", &v));
  assert_true (json_object_object_get_ex (v, "ID", &v));
  assert_string_equal (json_object_get_string (v), "abc");
  assert_null (strchr (s, '\n'));
  json_object_put (o);
  free (s);
  json_object_put (attrs);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_version_prefix),
    cmocka_unit_test (test_route_match),
    cmocka_unit_test (test_filters_parse),
    cmocka_unit_test (test_event_filters),
    cmocka_unit_test (test_event_encode),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
