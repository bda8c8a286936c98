/* linux.seccomp → libseccomp, with runc's rules: unknown syscall names are
 * skipped, rules equal to the default action are skipped, conditions on
 * distinct arguments form one rule (AND), several conditions on the same
 * argument become one rule each (OR); the filter never sets no_new_privs
 * by itself (process.noNewPrivileges decides). */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>

#include "cleanup.h"
#include "fsutil.h"
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

/* libseccomp generates the BPF program here, in the caller: the container's
 * init (a copy of the caller) only hands it to the kernel, instead of
 * generating it anew in copy-on-write memory at seccomp_load. */
struct rt_seccomp
{
  scmp_filter_ctx ctx; /* NULL when the program came from the cache */
  struct sock_filter *prog;
  unsigned short len;
};

static int
export_bpf (struct rt_seccomp *f, struct cd_err *err)
{
  int fd = memfd_create ("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "memfd_create");
  int e = seccomp_export_bpf (f->ctx, fd);
  off_t size = e == 0 ? lseek (fd, 0, SEEK_END) : -1;
  if (e < 0 || size <= 0 || size % (off_t) sizeof (struct sock_filter) != 0
      || size / (off_t) sizeof (struct sock_filter) > BPF_MAXINSNS)
    {
      close (fd);
      return cd_err_set (err, e < 0 ? -e : EINVAL, "seccomp: cannot generate the filter program");
    }
  f->prog = malloc ((size_t) size);
  ssize_t n = f->prog ? pread (fd, f->prog, (size_t) size, 0) : -1;
  close (fd);
  if (n != size)
    return cd_err_set (err, EIO, "seccomp: cannot read the filter program");
  f->len = (unsigned short) (size / (off_t) sizeof (struct sock_filter));
  return 0;
}

/* The cache: DIR/<fnv64 of the JSON>.bpf holds MAGIC, the JSON's length, the
 * JSON and the program. A hit needs the whole JSON to be equal, so a hash
 * collision can only cost a rebuild. Written as temp + rename without fsync:
 * exec-root is runtime state, and a torn file is a miss. */
#define CACHE_MAGIC "cdaemon-seccomp-bpf 1\n"

static void
cache_path (const char *dir, const char *json, char *path, size_t len)
{
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *) json; *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  snprintf (path, len, "%s/%016llx.bpf", dir, (unsigned long long) h);
}

static bool
cache_read (const char *path, const char *json, struct rt_seccomp *f)
{
  size_t jl = strlen (json), ml = strlen (CACHE_MAGIC);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return false;
  char *buf = NULL;
  bool ok = fstat (fd, &st) == 0 && (size_t) st.st_size > ml + sizeof (uint32_t) + jl
            && (buf = malloc ((size_t) st.st_size)) != NULL
            && read (fd, buf, (size_t) st.st_size) == st.st_size;
  close (fd);
  size_t plen = ok ? (size_t) st.st_size - ml - sizeof (uint32_t) - jl : 0;
  uint32_t stored = 0;
  if (ok)
    memcpy (&stored, buf + ml, sizeof stored);
  ok = ok && memcmp (buf, CACHE_MAGIC, ml) == 0 && stored == jl
       && memcmp (buf + ml + sizeof stored, json, jl) == 0 && plen > 0
       && plen % sizeof (struct sock_filter) == 0
       && plen / sizeof (struct sock_filter) <= BPF_MAXINSNS
       && (f->prog = malloc (plen)) != NULL;
  if (ok)
    {
      memcpy (f->prog, buf + ml + sizeof stored + jl, plen);
      f->len = (unsigned short) (plen / sizeof (struct sock_filter));
    }
  free (buf);
  return ok;
}

static void
cache_write (const char *dir, const char *path, const char *json, const struct rt_seccomp *f)
{
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return;
  uint32_t jl = (uint32_t) strlen (json);
  size_t ml = strlen (CACHE_MAGIC), plen = (size_t) f->len * sizeof (struct sock_filter);
  size_t len = ml + sizeof jl + jl + plen;
  char *buf = malloc (len);
  if (buf == NULL)
    return;
  memcpy (buf, CACHE_MAGIC, ml);
  memcpy (buf + ml, &jl, sizeof jl);
  memcpy (buf + ml + sizeof jl, json, jl);
  memcpy (buf + ml + sizeof jl + jl, f->prog, plen);
  struct cd_err ignore;
  cd_write_file_replace (path, buf, len, 0600, &ignore);
  free (buf);
}

int
rt_seccomp_build (const char *json, const char *cache_dir, rt_seccomp_t *out, struct cd_err *err)
{
  *out = NULL;
  if (json == NULL)
    return 0;
  struct rt_seccomp *f = calloc (1, sizeof *f);
  if (f == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char path[PATH_MAX];
  if (cache_dir)
    {
      cache_path (cache_dir, json, path, sizeof path);
      if (cache_read (path, json, f))
        {
          *out = f;
          return 0;
        }
    }
  json_object *sc = json_tokener_parse (json);
  int r = json_object_is_type (sc, json_type_object)
              ? build (&f->ctx, sc, err)
              : cd_err_set (err, EINVAL, WHERE ": must be an object");
  json_object_put (sc);
  if (r == 0)
    r = export_bpf (f, err);
  if (r < 0)
    {
      rt_seccomp_free (f);
      return r;
    }
  if (cache_dir)
    cache_write (cache_dir, path, json, f);
  *out = f;
  return 0;
}

int
rt_seccomp_load (rt_seccomp_t f, struct cd_err *err)
{
  if (f == NULL)
    return 0;
  struct sock_fprog prog = { .len = f->len, .filter = f->prog };
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return cd_err_sys (err, errno, "load the seccomp filter");
  return 0;
}

void
rt_seccomp_free (rt_seccomp_t f)
{
  if (f == NULL)
    return;
  if (f->ctx)
    seccomp_release (f->ctx);
  free (f->prog);
  free (f);
}

const void *
rt_seccomp_program (rt_seccomp_t f, size_t *len)
{
  *len = f ? (size_t) f->len * sizeof (struct sock_filter) : 0;
  return f ? f->prog : NULL;
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
  if (f && f->ctx && (fd = mkstemp (path)) >= 0)
    {
      unlink (path);
      if (seccomp_export_pfc (f->ctx, fd) == 0 && lseek (fd, 0, SEEK_SET) == 0)
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
