/* linux.seccomp → libseccomp, with runc's rules: unknown syscall names are
 * skipped, rules equal to the default action are skipped, conditions on
 * distinct arguments form one rule (AND), several conditions on the same
 * argument become one rule each (OR); the filter never sets no_new_privs
 * by itself (process.noNewPrivileges decides). */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "config.h"
#include "jsonget.h"

#define WHERE "linux.seccomp"

static int
action_of (const char *name, uint32_t errno_ret, uint32_t *out)
{
  static const struct
  {
    const char *name;
    uint32_t act;
  } plain[] = {
    { "SCMP_ACT_KILL", SCMP_ACT_KILL },
    { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
    { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
    { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  };
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    if (strcmp (plain[i].name, name) == 0)
      {
        *out = plain[i].act;
        return 0;
      }
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (errno_ret);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (errno_ret);
  else
    return -EINVAL;
  return 0;
}

static int
op_of (const char *name, enum scmp_compare *out)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp (ops[i].name, name) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return -EINVAL;
}

/* errnoRet (or defaultErrnoRet) when given, else EPERM. */
static int
errno_field (json_object *o, const char *key, const char *where, uint32_t *out,
             struct cd_err *err)
{
  int64_t v = EPERM;
  int r = rt_js_int (o, key, where, 0, 4095, &v, NULL, err);
  *out = (uint32_t) v;
  return r;
}

static int
add_arches (scmp_filter_ctx ctx, json_object *sc, struct cd_err *err)
{
  cleanup_free char **arches = NULL;
  int r = rt_js_strv (sc, "architectures", WHERE, &arches, err);
  for (size_t i = 0; r == 0 && arches && arches[i]; i++)
    {
      char lower[64];
      const char *a = arches[i];
      if (strncmp (a, "SCMP_ARCH_", 10) == 0)
        a += 10;
      size_t n = 0;
      for (; a[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char) tolower ((unsigned char) a[n]);
      lower[n] = '\0';
      uint32_t token = seccomp_arch_resolve_name (lower);
      if (token == 0)
        r = cd_err_set (err, EINVAL, WHERE ".architectures: unknown architecture \"%s\"",
                        arches[i]);
      else
        {
          int e = seccomp_arch_add (ctx, token);
          if (e < 0 && e != -EEXIST)
            r = cd_err_set (err, -e, WHERE ".architectures: add %s: %s", arches[i],
                            strerror (-e));
        }
    }
  for (size_t i = 0; arches && arches[i]; i++)
    free (arches[i]);
  return r;
}

struct conds
{
  struct scmp_arg_cmp c[6];
  unsigned n;
  bool same_index;              /* two conditions on one argument: OR them */
};

static int
parse_args (json_object *call, const char *where, struct conds *cs, struct cd_err *err)
{
  json_object *args;
  int r = rt_js_arr (call, "args", where, &args, err);
  memset (cs, 0, sizeof *cs);
  if (r < 0 || args == NULL)
    return r;
  size_t n = json_object_array_length (args);
  if (n > 6)
    return cd_err_set (err, EINVAL, "%s.args: at most 6 conditions", where);
  for (size_t i = 0; i < n; i++)
    {
      char w[160];
      snprintf (w, sizeof w, "%s.args[%zu]", where, i);
      json_object *a = json_object_array_get_idx (args, i);
      int64_t idx = 0;
      uint64_t v1 = 0, v2 = 0;
      cleanup_free char *op = NULL;
      if ((r = rt_js_int (a, "index", w, 0, 5, &idx, NULL, err)) < 0
          || (r = rt_js_u64 (a, "value", w, &v1, err)) < 0
          || (r = rt_js_u64 (a, "valueTwo", w, &v2, err)) < 0
          || (r = rt_js_str (a, "op", w, true, &op, err)) < 0)
        return r;
      struct scmp_arg_cmp *c = &cs->c[cs->n++];
      c->arg = (unsigned) idx;
      c->datum_a = v1;
      c->datum_b = v2;
      if (op_of (op, &c->op) < 0)
        return cd_err_set (err, EINVAL, "%s.op: unknown operator \"%s\"", w, op);
      for (unsigned j = 0; j + 1 < cs->n; j++)
        cs->same_index |= cs->c[j].arg == c->arg;
    }
  return 0;
}

static int
add_rule (scmp_filter_ctx ctx, uint32_t act, const char *name, const struct conds *cs,
          const char *where, struct cd_err *err)
{
  int nr = seccomp_syscall_resolve_name (name);
  if (nr == __NR_SCMP_ERROR)
    return 0;                   /* unknown to this libseccomp/kernel: skipped */
  int e = 0;
  if (!cs->same_index)
    e = seccomp_rule_add_array (ctx, act, nr, cs->n, cs->c);
  for (unsigned i = 0; cs->same_index && e == 0 && i < cs->n; i++)
    e = seccomp_rule_add_array (ctx, act, nr, 1, &cs->c[i]);
  if (e < 0)
    return cd_err_set (err, -e, "%s: add a rule for %s: %s", where, name, strerror (-e));
  return 0;
}

static int
add_call (scmp_filter_ctx ctx, json_object *call, size_t i, uint32_t def,
          struct cd_err *err)
{
  char where[64];
  snprintf (where, sizeof where, WHERE ".syscalls[%zu]", i);
  cleanup_free char *action = NULL;
  char **names = NULL;
  uint32_t eno, act;
  struct conds cs;
  int r;
  if ((r = rt_js_str (call, "action", where, true, &action, err)) < 0
      || (r = errno_field (call, "errnoRet", where, &eno, err)) < 0
      || (r = parse_args (call, where, &cs, err)) < 0
      || (r = rt_js_strv (call, "names", where, &names, err)) < 0)
    return r;
  if (action_of (action, eno, &act) < 0)
    r = cd_err_set (err, EINVAL, "%s.action: unknown action \"%s\"", where, action);
  for (size_t j = 0; r == 0 && act != def && names && names[j]; j++)
    r = add_rule (ctx, act, names[j], &cs, where, err);
  rt_strv_free (names);
  return r;
}

static int
build (scmp_filter_ctx *pctx, json_object *sc, struct cd_err *err)
{
  cleanup_free char *def_name = NULL;
  uint32_t def_errno, def;
  json_object *calls;
  int r;
  if ((r = rt_js_str (sc, "defaultAction", WHERE, true, &def_name, err)) < 0
      || (r = errno_field (sc, "defaultErrnoRet", WHERE, &def_errno, err)) < 0
      || (r = rt_js_arr (sc, "syscalls", WHERE, &calls, err)) < 0)
    return r;
  if (action_of (def_name, def_errno, &def) < 0)
    return cd_err_set (err, EINVAL, WHERE ".defaultAction: unknown action \"%s\"", def_name);
  scmp_filter_ctx ctx = *pctx = seccomp_init (def);
  if (ctx == NULL)
    return cd_err_set (err, ENOMEM, "seccomp_init failed");
  /* a binary tree of syscall numbers: ~350 rules are not walked one by one */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  int e = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (e < 0)
    return cd_err_set (err, -e, "seccomp: clear the no_new_privs attribute");
  if ((r = add_arches (ctx, sc, err)) < 0)
    return r;
  for (size_t i = 0; calls && i < json_object_array_length (calls); i++)
    if ((r = add_call (ctx, json_object_array_get_idx (calls, i), i, def, err)) < 0)
      return r;
  return 0;
}

int
rt_seccomp_build (const char *json, rt_seccomp_t *out, struct cd_err *err)
{
  *out = NULL;
  if (json == NULL)
    return 0;
  json_object *sc = json_tokener_parse (json);
  if (!json_object_is_type (sc, json_type_object))
    {
      json_object_put (sc);
      return cd_err_set (err, EINVAL, WHERE ": must be an object");
    }
  scmp_filter_ctx ctx = NULL;
  int r = build (&ctx, sc, err);
  json_object_put (sc);
  if (r < 0)
    {
      if (ctx)
        seccomp_release (ctx);
      return r;
    }
  *out = ctx;
  return 0;
}

int
rt_seccomp_load (rt_seccomp_t f, struct cd_err *err)
{
  if (f == NULL)
    return 0;
  int e = seccomp_load ((scmp_filter_ctx) f);
  if (e < 0)
    return cd_err_set (err, -e, "load the seccomp filter: %s", strerror (-e));
  return 0;
}

void
rt_seccomp_free (rt_seccomp_t f)
{
  if (f)
    seccomp_release ((scmp_filter_ctx) f);
}

char *
rt_seccomp_pfc (rt_seccomp_t f)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&buf, &len);
  if (m == NULL)
    return NULL;
  fflush (m);
  int fd = -1;
  char path[] = "/tmp/cdseccomp.XXXXXX";
  if (f && (fd = mkstemp (path)) >= 0)
    {
      unlink (path);
      if (seccomp_export_pfc ((scmp_filter_ctx) f, fd) == 0 && lseek (fd, 0, SEEK_SET) == 0)
        {
          char b[4096];
          ssize_t n;
          while ((n = read (fd, b, sizeof b)) > 0)
            fwrite (b, 1, (size_t) n, m);
        }
      close (fd);
    }
  fclose (m);
  return buf;
}
