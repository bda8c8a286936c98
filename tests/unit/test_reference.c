/* Unit tests for images/reference.c: Docker image reference parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images/reference.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX64

/* Returns a malloc'd string of n copies of c. */
static char *
repeat (char c, size_t n)
{
  char *s = malloc (n + 1);
  assert_non_null (s);
  memset (s, c, n);
  s[n] = '\0';
  return s;
}

static void
check_field (const char *in, const char *what, const char *want, const char *got)
{
  if (want == NULL && got == NULL)
    return;
  if (want == NULL || got == NULL || strcmp (want, got) != 0)
    fail_msg ("%s: %s is \"%s\", want \"%s\"", in, what, got ? got : "(null)",
              want ? want : "(null)");
}

/* Parses in (with the default tag when add_tag) and checks every field. */
static void
expect_ref (const char *in, int add_tag, const char *domain, const char *path,
            const char *tag, const char *digest)
{
  struct img_ref r;
  struct cd_err err = { 0 };
  int rc = add_tag ? img_ref_parse (in, &r, &err) : img_ref_parse_name (in, &r, &err);
  if (rc != 0)
    fail_msg ("%s: parse failed (%d): %s", in, rc, err.msg);
  check_field (in, "domain", domain, r.domain);
  check_field (in, "path", path, r.path);
  check_field (in, "tag", tag, r.tag);
  check_field (in, "digest", digest, r.digest);
  img_ref_free (&r);
}

/* Parses in and checks the full, familiar and familiar repository forms. */
static void
expect_forms (const char *in, int add_tag, const char *full, const char *familiar,
              const char *repo)
{
  struct img_ref r;
  struct cd_err err = { 0 };
  int rc = add_tag ? img_ref_parse (in, &r, &err) : img_ref_parse_name (in, &r, &err);
  if (rc != 0)
    fail_msg ("%s: parse failed (%d): %s", in, rc, err.msg);
  char *s = img_ref_string (&r);
  char *f = img_ref_familiar (&r);
  char *n = img_ref_repo_familiar (&r);
  check_field (in, "string", full, s);
  check_field (in, "familiar", familiar, f);
  check_field (in, "repo_familiar", repo, n);
  free (s);
  free (f);
  free (n);
  img_ref_free (&r);
}

/* Expects -EINVAL with exactly msg, and a zeroed *out. */
static void
expect_error (const char *in, const char *msg)
{
  struct img_ref r;
  struct cd_err err = { 0 };
  memset (&r, 0x5a, sizeof r);
  int rc = img_ref_parse (in, &r, &err);
  if (rc != -EINVAL)
    fail_msg ("\"%s\": rc %d, want -EINVAL (domain=%s path=%s)", in ? in : "(null)",
              rc, rc == 0 ? r.domain : "", rc == 0 ? r.path : "");
  assert_int_equal (err.code, EINVAL);
  if (strcmp (err.msg, msg) != 0)
    fail_msg ("\"%s\": message \"%s\", want \"%s\"", in ? in : "(null)", err.msg, msg);
  assert_null (r.domain);
  assert_null (r.path);
  assert_null (r.tag);
  assert_null (r.digest);

  /* The name-only variant rejects the same strings. */
  cd_err_clear (&err);
  assert_int_equal (img_ref_parse_name (in, &r, &err), -EINVAL);
  assert_string_equal (err.msg, msg);
}

#define INVALID "invalid reference format"
#define UPPERCASE "invalid reference format: repository name must be lowercase"

static void
test_official_images (void **state)
{
  (void) state;
  expect_ref ("busybox", 1, "docker.io", "library/busybox", "latest", NULL);
  expect_ref ("busybox:1.36", 1, "docker.io", "library/busybox", "1.36", NULL);
  expect_ref ("ubuntu:22.04", 1, "docker.io", "library/ubuntu", "22.04", NULL);
  expect_ref ("a", 1, "docker.io", "library/a", "latest", NULL);
  expect_ref ("0", 1, "docker.io", "library/0", "latest", NULL);
  expect_ref ("alpine:latest", 1, "docker.io", "library/alpine", "latest", NULL);
}

static void
test_user_repos (void **state)
{
  (void) state;
  expect_ref ("user/app", 1, "docker.io", "user/app", "latest", NULL);
  expect_ref ("user/app:v1", 1, "docker.io", "user/app", "v1", NULL);
  expect_ref ("myorg/app/sub", 1, "docker.io", "myorg/app/sub", "latest", NULL);
  expect_ref ("myorg/app/sub:v2", 1, "docker.io", "myorg/app/sub", "v2", NULL);
  expect_ref ("library/busybox", 1, "docker.io", "library/busybox", "latest", NULL);
  expect_ref ("a/b/c/d/e", 1, "docker.io", "a/b/c/d/e", "latest", NULL);
}

static void
test_explicit_docker_io (void **state)
{
  (void) state;
  expect_ref ("docker.io/busybox", 1, "docker.io", "library/busybox", "latest", NULL);
  expect_ref ("docker.io/busybox:1", 1, "docker.io", "library/busybox", "1", NULL);
  expect_ref ("docker.io/library/busybox", 1, "docker.io", "library/busybox", "latest",
              NULL);
  expect_ref ("docker.io/user/app:v1", 1, "docker.io", "user/app", "v1", NULL);
  expect_ref ("index.docker.io/busybox", 1, "docker.io", "library/busybox", "latest",
              NULL);
  expect_ref ("index.docker.io/user/app:v1", 1, "docker.io", "user/app", "v1", NULL);
  expect_ref ("index.docker.io/library/busybox@" DIGEST, 1, "docker.io",
              "library/busybox", NULL, DIGEST);
  expect_ref ("docker.io/library/foo/bar", 1, "docker.io", "library/foo/bar", "latest",
              NULL);
}

static void
test_localhost (void **state)
{
  (void) state;
  expect_ref ("localhost/app", 1, "localhost", "app", "latest", NULL);
  expect_ref ("localhost:5000/app", 1, "localhost:5000", "app", "latest", NULL);
  expect_ref ("localhost:5000/app:v1", 1, "localhost:5000", "app", "v1", NULL);
  expect_ref ("localhost:5000/a/b:c", 1, "localhost:5000", "a/b", "c", NULL);
  /* Without a '/' "localhost" is a repository and ":5000" a tag. */
  expect_ref ("localhost", 1, "docker.io", "library/localhost", "latest", NULL);
  expect_ref ("localhost:5000", 1, "docker.io", "library/localhost", "5000", NULL);
  /* "localhostx" is neither localhost nor dotted: a Docker Hub user. */
  expect_ref ("localhostx/app", 1, "docker.io", "localhostx/app", "latest", NULL);
}

static void
test_registries_and_ports (void **state)
{
  (void) state;
  expect_ref ("registry.example.com/team/app:1.0", 1, "registry.example.com",
              "team/app", "1.0", NULL);
  expect_ref ("registry.example.com:443/app", 1, "registry.example.com:443", "app",
              "latest", NULL);
  expect_ref ("my-registry.local:5000/a/b/c@" DIGEST, 1, "my-registry.local:5000",
              "a/b/c", NULL, DIGEST);
  expect_ref ("127.0.0.1:5000/x", 1, "127.0.0.1:5000", "x", "latest", NULL);
  expect_ref ("foo.bar/x", 1, "foo.bar", "x", "latest", NULL);
  expect_ref ("a.b.c.d/e", 1, "a.b.c.d", "e", "latest", NULL);
  expect_ref ("quay.io/coreos/etcd:v3.5.0", 1, "quay.io", "coreos/etcd", "v3.5.0", NULL);
  expect_ref ("xn--bcher-kva.example/app", 1, "xn--bcher-kva.example", "app", "latest",
              NULL);
  expect_ref ("[::1]/app", 1, "[::1]", "app", "latest", NULL);
  expect_ref ("[::1]:5000/app:v1", 1, "[::1]:5000", "app", "v1", NULL);
  expect_ref ("[2001:db8::1]/app", 1, "[2001:db8::1]", "app", "latest", NULL);
  expect_ref ("[2001:DB8::1]:443/app", 1, "[2001:DB8::1]:443", "app", "latest", NULL);
  /* A colon alone makes the first component a domain: "foo:1234". */
  expect_ref ("foo:1234/bar", 1, "foo:1234", "bar", "latest", NULL);
}

static void
test_uppercase_domain (void **state)
{
  (void) state;
  /* Domains may have capitals; a capitalised first component is a domain. */
  expect_ref ("Registry.Example.COM/app", 1, "Registry.Example.COM", "app", "latest",
              NULL);
  expect_ref ("UPPER/app", 1, "UPPER", "app", "latest", NULL);
  expect_ref ("LocalHost:5000/app", 1, "LocalHost:5000", "app", "latest", NULL);
}

static void
test_path_separators (void **state)
{
  (void) state;
  expect_ref ("user/a.b_c__d-e", 1, "docker.io", "user/a.b_c__d-e", "latest", NULL);
  expect_ref ("a---b", 1, "docker.io", "library/a---b", "latest", NULL);
  expect_ref ("foo_bar", 1, "docker.io", "library/foo_bar", "latest", NULL);
  expect_ref ("foo__bar", 1, "docker.io", "library/foo__bar", "latest", NULL);
  expect_ref ("foo.bar.baz", 1, "docker.io", "library/foo.bar.baz", "latest", NULL);
  expect_ref ("9lives/0day", 1, "docker.io", "9lives/0day", "latest", NULL);
  /* A dotted component after the first is a path component, not a domain. */
  expect_ref ("user/app.v2", 1, "docker.io", "user/app.v2", "latest", NULL);
}

static void
test_tags (void **state)
{
  (void) state;
  expect_ref ("busybox:V1.0_rc-2", 1, "docker.io", "library/busybox", "V1.0_rc-2",
              NULL);
  expect_ref ("busybox:_x", 1, "docker.io", "library/busybox", "_x", NULL);
  expect_ref ("busybox:0", 1, "docker.io", "library/busybox", "0", NULL);
  expect_ref ("busybox:a..--b", 1, "docker.io", "library/busybox", "a..--b", NULL);
  /* A 64-hex tag is fine; only a bare 64-hex name is refused. */
  expect_ref ("busybox:" HEX64, 1, "docker.io", "library/busybox", HEX64, NULL);

  char *t128 = repeat ('t', 128);
  char *t129 = repeat ('t', 129);
  char *in = NULL;
  assert_true (asprintf (&in, "busybox:%s", t128) > 0);
  expect_ref (in, 1, "docker.io", "library/busybox", t128, NULL);
  free (in);
  assert_true (asprintf (&in, "busybox:%s", t129) > 0);
  expect_error (in, INVALID);
  free (in);
  assert_true (asprintf (&in, "localhost:5000/app:%s", t129) > 0);
  expect_error (in, INVALID);
  free (in);
  free (t128);
  free (t129);
}

static void
test_bad_tags (void **state)
{
  (void) state;
  expect_error ("busybox:", INVALID);
  expect_error ("busybox:.tag", INVALID);
  expect_error ("busybox:-tag", INVALID);
  expect_error ("busybox:a:b", INVALID);
  expect_error ("busybox:tag/x", INVALID);
  expect_error ("busybox:t@g", INVALID);
  expect_error ("busybox:t+g", INVALID);
  expect_error ("localhost:5000/app:", INVALID);
  expect_error (":tag", INVALID);
  expect_error ("user/:tag", INVALID);
}

static void
test_digests (void **state)
{
  (void) state;
  expect_ref ("busybox@" DIGEST, 1, "docker.io", "library/busybox", NULL, DIGEST);
  expect_ref ("busybox:1@" DIGEST, 1, "docker.io", "library/busybox", "1", DIGEST);
  expect_ref ("user/app@" DIGEST, 1, "docker.io", "user/app", NULL, DIGEST);
  expect_ref ("localhost:5000/app:v1@" DIGEST, 1, "localhost:5000", "app", "v1", DIGEST);
  expect_ref ("[::1]:5000/app@" DIGEST, 1, "[::1]:5000", "app", NULL, DIGEST);
  expect_ref ("busybox@" DIGEST, 0, "docker.io", "library/busybox", NULL, DIGEST);
}

static void
test_bad_digests (void **state)
{
  (void) state;
  char *h63 = repeat ('a', 63);
  char *h65 = repeat ('a', 65);
  char *in = NULL;

  assert_true (asprintf (&in, "busybox@sha256:%s", h63) > 0);
  expect_error (in, "invalid checksum digest length");
  free (in);
  assert_true (asprintf (&in, "busybox@sha256:%s", h65) > 0);
  expect_error (in, "invalid checksum digest length");
  free (in);
  /* 32 hex digits pass the grammar, then fail the length check. */
  expect_error ("busybox@sha256:0123456789abcdef0123456789abcdef",
                "invalid checksum digest length");
  /* Fewer than 32 fail the reference grammar itself. */
  expect_error ("busybox@sha256:abc", INVALID);
  expect_error ("busybox@sha256:", INVALID);
  expect_error ("busybox@sha256", INVALID);
  expect_error ("busybox@", INVALID);
  expect_error ("busybox@" HEX64, INVALID);
  expect_error ("busybox@@" DIGEST, INVALID);
  expect_error ("busybox@" DIGEST "@" DIGEST, INVALID);
  expect_error ("busybox@" DIGEST ":tag", INVALID);
  expect_error ("busybox@sha256:" HEX64 "g", INVALID);
  expect_error ("busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                "invalid checksum digest format");
  expect_error ("busybox:1@SHA256:" HEX64, "invalid checksum digest format");
  /* Without a tag the "@SHA256" lands in the repository-name check first,
   * as in Docker. */
  expect_error ("busybox@SHA256:" HEX64, UPPERCASE);
  expect_error ("busybox@sha512:" HEX64 HEX64, "unsupported digest algorithm");
  expect_error ("busybox@md5:0123456789abcdef0123456789abcdef",
                "unsupported digest algorithm");
  expect_error ("busybox@1sha:" HEX64, INVALID);
  free (h63);
  free (h65);
}

static void
test_uppercase_repository (void **state)
{
  (void) state;
  expect_error ("Busybox", UPPERCASE);
  expect_error ("busyBox:latest", UPPERCASE);
  expect_error ("user/App", UPPERCASE);
  expect_error ("user/App:v1", UPPERCASE);
  expect_error ("localhost:5000/App:v1", UPPERCASE);
  expect_error ("registry.example.com/Team/app", UPPERCASE);
  expect_error ("docker.io/Busybox", UPPERCASE);
  expect_error ("Busybox@" DIGEST, UPPERCASE);
  /* A capitalised first component is a domain; "_" makes it an invalid one,
   * and lowercasing would make the whole string a valid path. */
  expect_error ("Foo_bar/x", UPPERCASE);
  /* A 64-hex string in capitals is not an ID, but is not lowercase either. */
  expect_error ("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
                UPPERCASE);
}

static void
test_empty_and_bad_chars (void **state)
{
  (void) state;
  expect_error ("", INVALID);
  expect_error (NULL, INVALID);
  expect_error (":", INVALID);
  expect_error ("@", INVALID);
  expect_error ("/", INVALID);
  expect_error (" busybox", INVALID);
  expect_error ("busybox ", INVALID);
  expect_error ("busy box", INVALID);
  expect_error ("busybox!", INVALID);
  expect_error ("busy/box?", INVALID);
  expect_error ("busybox\n", INVALID);
  expect_error ("b\xc3\xbc" "sybox", INVALID);
  expect_error ("http://registry.example.com/app", INVALID);
  expect_error ("user/app#1", INVALID);
  expect_error ("user\\app", INVALID);
}

static void
test_bad_separators (void **state)
{
  (void) state;
  expect_error ("a//b", INVALID);
  expect_error ("docker.io//busybox", INVALID);
  expect_error ("localhost:5000//app", INVALID);
  expect_error ("/busybox", INVALID);
  expect_error ("busybox/", INVALID);
  expect_error ("user/app/", INVALID);
  expect_error ("localhost:5000/", INVALID);
  expect_error ("-busybox", INVALID);
  expect_error ("busybox-", INVALID);
  expect_error ("_busybox", INVALID);
  expect_error ("busybox_", INVALID);
  expect_error (".busybox", INVALID);
  expect_error ("busybox.", INVALID);
  expect_error ("a..b", INVALID);
  expect_error ("a___b", INVALID);
  expect_error ("a._b", INVALID);
  expect_error ("a-.b", INVALID);
  expect_error ("a_-b", INVALID);
  expect_error ("user/-app", INVALID);
  expect_error ("user/app-", INVALID);
}

static void
test_bad_domains (void **state)
{
  (void) state;
  expect_error ("-registry.com/app", INVALID);
  expect_error ("registry-.com/app", INVALID);
  expect_error ("registry..com/app", INVALID);
  expect_error (".registry.com/app", INVALID);
  expect_error ("registry.com./app", INVALID);
  expect_error ("registry.com:/app", INVALID);
  expect_error ("registry.com:port/app", INVALID);
  expect_error ("registry.com:50:00/app", INVALID);
  expect_error ("localhost:/app", INVALID);
  expect_error ("[]/app", INVALID);
  expect_error ("[::1/app", INVALID);
  expect_error ("[::g]/app", INVALID);
  expect_error ("[::1]x/app", INVALID);
  expect_error ("[::1]", INVALID);
  /* Docker would quietly take this as a domain-less path; it cannot be
   * pulled from anywhere, so it is refused. */
  expect_error ("foo_bar.com/x", INVALID);
  expect_error ("a.b_c/f", INVALID);
}

static void
test_hex64_name (void **state)
{
  (void) state;
  expect_error (HEX64, "invalid repository name (" HEX64
                       "), cannot specify 64-byte hexadecimal strings");
  /* Shorter and longer hex strings are ordinary names. */
  expect_ref ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 1,
              "docker.io",
              "library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
              "latest", NULL);
  expect_ref (HEX64 "0", 1, "docker.io", "library/" HEX64 "0", "latest", NULL);
  /* Only the bare string is refused, as in Docker. */
  expect_ref (HEX64 ":v1", 1, "docker.io", "library/" HEX64, "v1", NULL);
  expect_ref ("user/" HEX64, 1, "docker.io", "user/" HEX64, "latest", NULL);
  /* "sha256:<hex>" reads as repository "sha256" with a tag, as in Docker. */
  expect_ref (DIGEST, 1, "docker.io", "library/sha256", HEX64, NULL);
}

static void
test_name_length (void **state)
{
  (void) state;
  char *in = NULL;
  char *want = NULL;
  char *p;

  /* "docker.io/library/" is 18 characters and counts. */
  p = repeat ('a', 255 - 18);
  assert_true (asprintf (&want, "library/%s", p) > 0);
  expect_ref (p, 1, "docker.io", want, "latest", NULL);
  free (p);
  p = repeat ('a', 256 - 18);
  expect_error (p, "repository name must not be more than 255 characters");
  free (p);

  /* "localhost/" is 10. */
  p = repeat ('b', 245);
  assert_true (asprintf (&in, "localhost/%s:v1", p) > 0);
  expect_ref (in, 1, "localhost", p, "v1", NULL);
  free (in);
  free (p);
  p = repeat ('b', 246);
  assert_true (asprintf (&in, "localhost/%s:v1", p) > 0);
  expect_error (in, "repository name must not be more than 255 characters");
  free (in);
  free (p);

  /* The tag and digest do not count. */
  p = repeat ('a', 255 - 18);
  assert_true (asprintf (&in, "%s:v1@%s", p, DIGEST) > 0);
  expect_ref (in, 1, "docker.io", want, "v1", DIGEST);
  free (in);
  free (want);
  free (p);
}

static void
test_parse_name_no_default_tag (void **state)
{
  (void) state;
  expect_ref ("busybox", 0, "docker.io", "library/busybox", NULL, NULL);
  expect_ref ("busybox:1", 0, "docker.io", "library/busybox", "1", NULL);
  expect_ref ("user/app", 0, "docker.io", "user/app", NULL, NULL);
  expect_ref ("localhost:5000/app", 0, "localhost:5000", "app", NULL, NULL);
  expect_ref ("localhost:5000/app:v1@" DIGEST, 0, "localhost:5000", "app", "v1", DIGEST);
  expect_forms ("busybox", 0, "docker.io/library/busybox", "busybox", "busybox");
  expect_forms ("localhost:5000/app", 0, "localhost:5000/app", "localhost:5000/app",
                "localhost:5000/app");
}

static void
test_string_forms (void **state)
{
  (void) state;
  expect_forms ("busybox", 1, "docker.io/library/busybox:latest", "busybox:latest",
                "busybox");
  expect_forms ("busybox:1.36", 1, "docker.io/library/busybox:1.36", "busybox:1.36",
                "busybox");
  expect_forms ("user/app:v1", 1, "docker.io/user/app:v1", "user/app:v1", "user/app");
  expect_forms ("docker.io/library/busybox", 1, "docker.io/library/busybox:latest",
                "busybox:latest", "busybox");
  expect_forms ("index.docker.io/user/app", 1, "docker.io/user/app:latest",
                "user/app:latest", "user/app");
  /* "library/" is dropped only for single-component official names. */
  expect_forms ("library/foo/bar", 1, "docker.io/library/foo/bar:latest",
                "library/foo/bar:latest", "library/foo/bar");
  expect_forms ("localhost:5000/app:v1", 1, "localhost:5000/app:v1",
                "localhost:5000/app:v1", "localhost:5000/app");
  expect_forms ("localhost/library/busybox", 1, "localhost/library/busybox:latest",
                "localhost/library/busybox:latest", "localhost/library/busybox");
  expect_forms ("registry.example.com/team/app", 1,
                "registry.example.com/team/app:latest",
                "registry.example.com/team/app:latest", "registry.example.com/team/app");
  expect_forms ("[::1]:5000/app:v1", 1, "[::1]:5000/app:v1", "[::1]:5000/app:v1",
                "[::1]:5000/app");
  expect_forms ("busybox@" DIGEST, 1, "docker.io/library/busybox@" DIGEST,
                "busybox@" DIGEST, "busybox");
  expect_forms ("busybox:1@" DIGEST, 1, "docker.io/library/busybox:1@" DIGEST,
                "busybox:1@" DIGEST, "busybox");
  expect_forms ("user/app@" DIGEST, 1, "docker.io/user/app@" DIGEST,
                "user/app@" DIGEST, "user/app");
}

/* Parsing the full or the familiar form gives back the same reference. */
static void
test_round_trip (void **state)
{
  (void) state;
  static const char *inputs[] = {
    "busybox",
    "busybox:1.36",
    "user/app:v1",
    "library/foo/bar:x",
    "localhost/app",
    "localhost:5000/a/b:c",
    "registry.example.com:443/team/app:1.0",
    "[2001:db8::1]:5000/app",
    "busybox@" DIGEST,
    "busybox:1@" DIGEST,
    "Registry.Example.COM/app:Tag",
  };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
    {
      struct img_ref r;
      struct cd_err err = { 0 };
      assert_int_equal (img_ref_parse (inputs[i], &r, &err), 0);
      char *full = img_ref_string (&r);
      char *fam = img_ref_familiar (&r);
      assert_non_null (full);
      assert_non_null (fam);
      const char *forms[] = { full, fam };
      for (size_t j = 0; j < 2; j++)
        {
          struct img_ref again;
          assert_int_equal (img_ref_parse (forms[j], &again, &err), 0);
          check_field (forms[j], "domain", r.domain, again.domain);
          check_field (forms[j], "path", r.path, again.path);
          check_field (forms[j], "tag", r.tag, again.tag);
          check_field (forms[j], "digest", r.digest, again.digest);
          char *full2 = img_ref_string (&again);
          assert_string_equal (full, full2);
          free (full2);
          img_ref_free (&again);
        }
      free (full);
      free (fam);
      img_ref_free (&r);
    }
}

static void
test_null_err_and_free (void **state)
{
  (void) state;
  struct img_ref r;
  assert_int_equal (img_ref_parse ("Busybox", &r, NULL), -EINVAL);
  assert_null (r.domain);
  assert_int_equal (img_ref_parse ("busybox", &r, NULL), 0);
  assert_string_equal (r.path, "library/busybox");
  img_ref_free (&r);
  assert_null (r.domain);
  assert_null (r.path);
  assert_null (r.tag);
  /* Freeing twice, a zeroed ref and NULL are all harmless. */
  img_ref_free (&r);
  struct img_ref zero = { 0 };
  img_ref_free (&zero);
  img_ref_free (NULL);
}

static void
test_error_struct (void **state)
{
  (void) state;
  struct img_ref r;
  struct cd_err err = { 0 };
  assert_int_equal (img_ref_parse ("busybox:1", &r, &err), 0);
  assert_int_equal (err.code, 0);
  img_ref_free (&r);
  assert_int_equal (img_ref_parse ("busybox:", &r, &err), -EINVAL);
  assert_int_equal (err.code, EINVAL);
  assert_string_equal (err.msg, INVALID);
}

static void
test_hand_built_refs (void **state)
{
  (void) state;
  /* Callers may assemble a ref themselves (e.g. from the store). */
  struct img_ref r = { .domain = "docker.io", .path = "library/busybox", .tag = NULL,
                       .digest = NULL };
  char *s = img_ref_string (&r);
  assert_string_equal (s, "docker.io/library/busybox");
  free (s);
  s = img_ref_familiar (&r);
  assert_string_equal (s, "busybox");
  free (s);
  struct img_ref nodomain = { .domain = NULL, .path = "foo/bar", .tag = "x",
                              .digest = NULL };
  s = img_ref_string (&nodomain);
  assert_string_equal (s, "foo/bar:x");
  free (s);
  s = img_ref_familiar (&nodomain);
  assert_string_equal (s, "foo/bar:x");
  free (s);
}

static void
test_id_prefix (void **state)
{
  (void) state;
  assert_true (img_ref_is_id_prefix ("a"));
  assert_true (img_ref_is_id_prefix ("0"));
  assert_true (img_ref_is_id_prefix ("0123abcdef"));
  assert_true (img_ref_is_id_prefix ("cafe"));
  assert_true (img_ref_is_id_prefix (HEX64));
  assert_true (img_ref_is_id_prefix ("sha256:a"));
  assert_true (img_ref_is_id_prefix ("sha256:0123abcdef"));
  assert_true (img_ref_is_id_prefix (DIGEST));

  assert_false (img_ref_is_id_prefix (NULL));
  assert_false (img_ref_is_id_prefix (""));
  assert_false (img_ref_is_id_prefix ("sha256:"));
  assert_false (img_ref_is_id_prefix (HEX64 "0"));
  assert_false (img_ref_is_id_prefix ("sha256:" HEX64 "0"));
  assert_false (img_ref_is_id_prefix ("ABC"));
  assert_false (img_ref_is_id_prefix ("abcG"));
  assert_false (img_ref_is_id_prefix ("busybox"));
  assert_false (img_ref_is_id_prefix ("abc:tag"));
  assert_false (img_ref_is_id_prefix ("sha512:abc"));
  assert_false (img_ref_is_id_prefix ("SHA256:abc"));
  assert_false (img_ref_is_id_prefix ("sha256:sha256:abc"));
  assert_false (img_ref_is_id_prefix (" abc"));
  assert_false (img_ref_is_id_prefix ("abc "));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_official_images),
    cmocka_unit_test (test_user_repos),
    cmocka_unit_test (test_explicit_docker_io),
    cmocka_unit_test (test_localhost),
    cmocka_unit_test (test_registries_and_ports),
    cmocka_unit_test (test_uppercase_domain),
    cmocka_unit_test (test_path_separators),
    cmocka_unit_test (test_tags),
    cmocka_unit_test (test_bad_tags),
    cmocka_unit_test (test_digests),
    cmocka_unit_test (test_bad_digests),
    cmocka_unit_test (test_uppercase_repository),
    cmocka_unit_test (test_empty_and_bad_chars),
    cmocka_unit_test (test_bad_separators),
    cmocka_unit_test (test_bad_domains),
    cmocka_unit_test (test_hex64_name),
    cmocka_unit_test (test_name_length),
    cmocka_unit_test (test_parse_name_no_default_tag),
    cmocka_unit_test (test_string_forms),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_null_err_and_free),
    cmocka_unit_test (test_error_struct),
    cmocka_unit_test (test_hand_built_refs),
    cmocka_unit_test (test_id_prefix),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
