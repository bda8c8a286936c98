/* cdaemon's configuration: built-in defaults, then /etc/cdaemon/daemon.json,
 * then command-line flags (flags win). Unknown file keys are an error. */
#include "daemon/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

#define CD_VERSION_STRING "0.1.0"

enum
{
  OPT_ROOT = 256,
  OPT_EXEC_ROOT,
  OPT_CONFIG,
  OPT_LOG_LEVEL,
  OPT_GROUP,
  OPT_CGROUP_PARENT,
  OPT_BRIDGE,
  OPT_BIP,
  OPT_INIT,
  OPT_INIT_PATH,
  OPT_METRICS_ADDR,
  OPT_INSECURE_REG,
  OPT_REG_MIRROR,
  OPT_MAX_DL,
};

/* Flags given on the command line, applied after the file. */
struct flag_values
{
  const char *host, *root, *exec_root, *group, *log_level, *cgroup_parent, *bridge, *bip;
  bool debug;
  bool init;
  const char *init_path;
  const char *metrics_addr;
  json_object *registries; /* {"insecure": [...], "mirrors": [...]} from the flags */
  int max_downloads;
};

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: cdaemon [OPTIONS]\n\n"
           "A container engine speaking the Docker Engine API v1.41.\n\n"
           "Options:\n"
           "  -H, --host string           Daemon socket (default %s; fd:// for socket activation)\n"
           "      --root string           Root of persistent state (default %s)\n"
           "      --exec-root string      Root of runtime state (default %s)\n"
           "      --config string         Configuration file (default %s)\n"
           "      --log-level string      debug, info, warn, error (default info)\n"
           "  -D, --debug                 Same as --log-level debug\n"
           "  -G, --group string          Group owning the socket (default %s)\n"
           "      --cgroup-parent string  Parent cgroup of containers (default cdaemon)\n"
           "      --bridge string         Default bridge device\n"
           "      --bip string            Default bridge address (CIDR)\n"
           "      --init                  Run an init inside containers (reaps, forwards signals)\n"
           "      --init-path string      Path to the init binary (default: cdinit next to cdaemon)\n"
           "      --metrics-addr string   Also serve /metrics on this TCP address (127.0.0.1:9323)\n"
           "      --insecure-registry host  Plain HTTP / unverified TLS for a registry\n"
           "      --registry-mirror url   A mirror tried first for docker.io\n"
           "      --max-concurrent-downloads n  Parallel layer downloads (default 3)\n"
           "  -h, --help                  Print this help\n"
           "  -v, --version               Print the version\n",
           CD_DEFAULT_HOST, CD_DEFAULT_ROOT, CD_DEFAULT_EXEC_ROOT, CD_DEFAULT_CONFIG,
           CD_DEFAULT_GROUP);
}

static int
set_str (char **dst, const char *v)
{
  char *n = strdup (v);
  if (n == NULL)
    return -ENOMEM;
  free (*dst);
  *dst = n;
  return 0;
}

static void
reg_flag (struct flag_values *fv, const char *key, const char *v)
{
  json_object *a;
  if (fv->registries == NULL)
    fv->registries = json_object_new_object ();
  if (!json_object_object_get_ex (fv->registries, key, &a))
    json_object_object_add (fv->registries, key, a = json_object_new_array ());
  json_object_array_add (a, json_object_new_string (v));
}

static int
parse_flags (int argc, char **argv, struct flag_values *fv, struct cd_err *err)
{
  static const struct option opts[] = {
    { "host", required_argument, NULL, 'H' },
    { "root", required_argument, NULL, OPT_ROOT },
    { "data-root", required_argument, NULL, OPT_ROOT },
    { "exec-root", required_argument, NULL, OPT_EXEC_ROOT },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "config-file", required_argument, NULL, OPT_CONFIG },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "debug", no_argument, NULL, 'D' },
    { "group", required_argument, NULL, 'G' },
    { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
    { "bridge", required_argument, NULL, OPT_BRIDGE },
    { "bip", required_argument, NULL, OPT_BIP },
    { "init", no_argument, NULL, OPT_INIT },
    { "init-path", required_argument, NULL, OPT_INIT_PATH },
    { "metrics-addr", required_argument, NULL, OPT_METRICS_ADDR },
    { "insecure-registry", required_argument, NULL, OPT_INSECURE_REG },
    { "registry-mirror", required_argument, NULL, OPT_REG_MIRROR },
    { "max-concurrent-downloads", required_argument, NULL, OPT_MAX_DL },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long (argc, argv, ":H:DG:hv", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'H': fv->host = optarg; break;
        case OPT_ROOT: fv->root = optarg; break;
        case OPT_EXEC_ROOT: fv->exec_root = optarg; break;
        case OPT_CONFIG: break; /* read before the file, see config_path_from_argv */
        case OPT_LOG_LEVEL: fv->log_level = optarg; break;
        case 'D': fv->debug = true; break;
        case 'G': fv->group = optarg; break;
        case OPT_CGROUP_PARENT: fv->cgroup_parent = optarg; break;
        case OPT_BRIDGE: fv->bridge = optarg; break;
        case OPT_BIP: fv->bip = optarg; break;
        case OPT_INIT: fv->init = true; break;
        case OPT_INIT_PATH: fv->init_path = optarg; break;
        case OPT_METRICS_ADDR: fv->metrics_addr = optarg; break;
        case OPT_INSECURE_REG:
        case OPT_REG_MIRROR:
          reg_flag (fv, c == OPT_INSECURE_REG ? "insecure" : "mirrors", optarg);
          break;
        case OPT_MAX_DL: fv->max_downloads = atoi (optarg); break;
        case 'h': usage (stdout); return 1;
        case 'v': printf ("cdaemon version %s, API 1.41\n", CD_VERSION_STRING); return 1;
        case ':':
          return cd_err_set (err, EINVAL, "flag %s needs a value", argv[optind - 1]);
        default:
          return cd_err_set (err, EINVAL, "unknown flag %s (see cdaemon --help)",
                             argv[optind - 1]);
        }
    }
  if (optind < argc)
    return cd_err_set (err, EINVAL, "unexpected argument `%s` (see cdaemon --help)",
                       argv[optind]);
  return 0;
}

static const char *
config_path_from_argv (int argc, char **argv, bool *explicit_path)
{
  const char *p = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if ((strcmp (a, "--config") == 0 || strcmp (a, "--config-file") == 0) && i + 1 < argc)
        p = argv[++i];
      else if (strncmp (a, "--config=", 9) == 0)
        p = a + 9;
      else if (strncmp (a, "--config-file=", 14) == 0)
        p = a + 14;
    }
  *explicit_path = p != NULL;
  return p ? p : CD_DEFAULT_CONFIG;
}

static int
file_string (json_object *v, const char *key, char **dst, struct cd_err *err)
{
  if (!json_object_is_type (v, json_type_string))
    return cd_err_set (err, EINVAL, "config: `%s` must be a string", key);
  return set_str (dst, json_object_get_string (v)) < 0 ? cd_err_set (err, ENOMEM, "out of memory")
                                                        : 0;
}

static int
apply_log_level (struct cd_config *c, const char *v, const char *origin, struct cd_err *err)
{
  if (cd_log_parse_level (v, &c->log_level) < 0)
    return cd_err_set (err, EINVAL, "%s: invalid log level `%s` (debug, info, warn, error)",
                       origin, v);
  return 0;
}

static int
apply_file_key (struct cd_config *c, const char *key, json_object *v, struct cd_err *err)
{
  if (strcmp (key, "hosts") == 0)
    {
      if (!json_object_is_type (v, json_type_array) || json_object_array_length (v) != 1)
        return cd_err_set (err, EINVAL, "config: `hosts` must be an array of one address");
      return file_string (json_object_array_get_idx (v, 0), key, &c->host, err);
    }
  if (strcmp (key, "data-root") == 0 || strcmp (key, "root") == 0)
    return file_string (v, key, &c->root, err);
  if (strcmp (key, "exec-root") == 0)
    return file_string (v, key, &c->exec_root, err);
  if (strcmp (key, "group") == 0)
    {
      c->group_explicit = true;
      return file_string (v, key, &c->group, err);
    }
  if (strcmp (key, "cgroup-parent") == 0)
    return file_string (v, key, &c->cgroup_parent, err);
  if (strcmp (key, "bridge") == 0)
    return file_string (v, key, &c->bridge, err);
  if (strcmp (key, "bip") == 0)
    return file_string (v, key, &c->bip, err);
  if (strcmp (key, "init-path") == 0)
    return file_string (v, key, &c->init_path, err);
  if (strcmp (key, "metrics-addr") == 0)
    return file_string (v, key, &c->metrics_addr, err);
  if (strcmp (key, "init") == 0)
    {
      if (!json_object_is_type (v, json_type_boolean))
        return cd_err_set (err, EINVAL, "config: `init` must be true or false");
      c->init = json_object_get_boolean (v);
      return 0;
    }
  if (strcmp (key, "log-level") == 0)
    {
      if (!json_object_is_type (v, json_type_string))
        return cd_err_set (err, EINVAL, "config: `log-level` must be a string");
      return apply_log_level (c, json_object_get_string (v), "config", err);
    }
  if (strcmp (key, "debug") == 0)
    {
      if (!json_object_is_type (v, json_type_boolean))
        return cd_err_set (err, EINVAL, "config: `debug` must be true or false");
      if (json_object_get_boolean (v))
        c->log_level = CD_LOG_DEBUG;
      return 0;
    }
  if (strcmp (key, "log-opts") == 0 || strcmp (key, "default-address-pools") == 0)
    {
      bool opts = key[0] == 'l';
      if (!json_object_is_type (v, opts ? json_type_object : json_type_array))
        return cd_err_set (err, EINVAL, "config: `%s` must be %s", key,
                           opts ? "an object" : "an array");
      json_object **dst = opts ? &c->log_opts : &c->default_pools;
      json_object_put (*dst);
      *dst = json_object_get (v);
      return 0;
    }
  if (strcmp (key, "events-max-count") == 0 || strcmp (key, "events-max-age") == 0)
    {
      if (!json_object_is_type (v, json_type_int) || json_object_get_int64 (v) < 0)
        return cd_err_set (err, EINVAL, "config: `%s` must be a whole number%s", key,
                           key[11] == 'a' ? " of seconds" : "");
      *(key[11] == 'a' ? &c->events_max_age : &c->events_max_count) = json_object_get_int64 (v);
      return 0;
    }
  if (strcmp (key, "insecure-registries") == 0 || strcmp (key, "registry-mirrors") == 0)
    {
      if (!json_object_is_type (v, json_type_array))
        return cd_err_set (err, EINVAL, "config: `%s` must be an array", key);
      json_object **dst = key[0] == 'i' ? &c->insecure_registries : &c->registry_mirrors;
      json_object_put (*dst);
      *dst = json_object_get (v);
      return 0;
    }
  if (strcmp (key, "max-concurrent-downloads") == 0)
    {
      if (!json_object_is_type (v, json_type_int) || json_object_get_int (v) < 1)
        return cd_err_set (err, EINVAL, "config: `%s` must be a positive number", key);
      c->max_downloads = json_object_get_int (v);
      return 0;
    }
  if (strcmp (key, "shutdown-timeout") == 0)
    {
      if (!json_object_is_type (v, json_type_int) || json_object_get_int (v) < 0)
        return cd_err_set (err, EINVAL, "config: `shutdown-timeout` must be a whole number");
      c->shutdown_timeout = json_object_get_int (v);
      return 0;
    }
  return cd_err_set (err, EINVAL, "config %s: unknown key `%s`", c->config_path, key);
}

static int
load_file (struct cd_config *c, bool explicit_path, struct cd_err *err)
{
  cleanup_free char *text = NULL;
  struct cd_err ferr = { 0 };
  if (cd_read_file (c->config_path, &text, NULL, &ferr) < 0)
    {
      if (ferr.code == ENOENT && !explicit_path)
        return 0;
      return cd_err_set (err, ferr.code, "cannot read config file: %s", ferr.msg);
    }
  json_tokener *tok = json_tokener_new ();
  json_object *root = json_tokener_parse_ex (tok, text, (int) strlen (text));
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  size_t off = tok->char_offset;
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      json_object_put (root);
      return cd_err_set (err, EINVAL, "config file %s: invalid JSON at byte %zu: %s",
                         c->config_path, off,
                         json_tokener_error_desc (jerr == json_tokener_success
                                                      ? json_tokener_continue : jerr));
    }
  int r = 0;
  if (!json_object_is_type (root, json_type_object))
    r = cd_err_set (err, EINVAL, "config file %s: must hold a JSON object", c->config_path);
  else
    {
      json_object_object_foreach (root, key, val)
        if ((r = apply_file_key (c, key, val, err)) < 0)
          break;
    }
  json_object_put (root);
  return r;
}

static int
apply_flags (struct cd_config *c, const struct flag_values *fv, struct cd_err *err)
{
  int r = 0;
  if (fv->host)
    r |= set_str (&c->host, fv->host);
  if (fv->root)
    r |= set_str (&c->root, fv->root);
  if (fv->exec_root)
    r |= set_str (&c->exec_root, fv->exec_root);
  if (fv->cgroup_parent)
    r |= set_str (&c->cgroup_parent, fv->cgroup_parent);
  if (fv->bridge)
    r |= set_str (&c->bridge, fv->bridge);
  if (fv->bip)
    r |= set_str (&c->bip, fv->bip);
  if (fv->init_path)
    r |= set_str (&c->init_path, fv->init_path);
  if (fv->metrics_addr)
    r |= set_str (&c->metrics_addr, fv->metrics_addr);
  if (fv->init)
    c->init = true;
  if (fv->max_downloads > 0)
    c->max_downloads = fv->max_downloads;
  json_object *ra;
  if (fv->registries && json_object_object_get_ex (fv->registries, "insecure", &ra))
    {
      json_object_put (c->insecure_registries);
      c->insecure_registries = json_object_get (ra);
    }
  if (fv->registries && json_object_object_get_ex (fv->registries, "mirrors", &ra))
    {
      json_object_put (c->registry_mirrors);
      c->registry_mirrors = json_object_get (ra);
    }
  if (fv->group)
    {
      r |= set_str (&c->group, fv->group);
      c->group_explicit = true;
    }
  if (r < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (fv->log_level && apply_log_level (c, fv->log_level, "--log-level", err) < 0)
    return -EINVAL;
  if (fv->debug)
    c->log_level = CD_LOG_DEBUG;
  return 0;
}

static int
validate (struct cd_config *c, struct cd_err *err)
{
  if (strncmp (c->host, "unix://", 7) != 0 && strcmp (c->host, "fd://") != 0)
    return cd_err_set (err, EINVAL, "invalid host `%s`: use unix:///path/to.sock or fd://",
                       c->host);
  if (strncmp (c->host, "unix://", 7) == 0 && c->host[7] != '/')
    return cd_err_set (err, EINVAL, "invalid host `%s`: the socket path must be absolute",
                       c->host);
  if (c->root[0] != '/' || c->exec_root[0] != '/')
    return cd_err_set (err, EINVAL, "--root and --exec-root must be absolute paths");
  if (c->init_path && c->init_path[0] != '/')
    return cd_err_set (err, EINVAL, "--init-path must be an absolute path");
  return 0;
}

int
cd_config_load (struct cd_config *c, int argc, char **argv, struct cd_err *err)
{
  memset (c, 0, sizeof *c);
  c->log_level = CD_LOG_INFO;
  c->max_body = 4 << 20;
  c->shutdown_timeout = 15;
  c->events_max_count = 10000;
  c->events_max_age = 7 * 24 * 3600;
  bool explicit_path;
  const char *cfg = config_path_from_argv (argc, argv, &explicit_path);
  if (set_str (&c->host, CD_DEFAULT_HOST) < 0 || set_str (&c->root, CD_DEFAULT_ROOT) < 0
      || set_str (&c->exec_root, CD_DEFAULT_EXEC_ROOT) < 0
      || set_str (&c->group, CD_DEFAULT_GROUP) < 0 || set_str (&c->config_path, cfg) < 0
      || set_str (&c->cgroup_parent, "cdaemon") < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct flag_values fv = { 0 };
  int r = parse_flags (argc, argv, &fv, err);
  if (r == 0 && (r = load_file (c, explicit_path, err)) == 0)
    r = apply_flags (c, &fv, err);
  json_object_put (fv.registries);
  if (r != 0)
    return r;
  return validate (c, err);
}

int
cd_config_reload_log_level (struct cd_config *c, struct cd_err *err)
{
  struct cd_config fresh = { 0 };
  fresh.log_level = c->log_level;
  if (set_str (&fresh.config_path, c->config_path) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = load_file (&fresh, false, err);
  if (r == 0)
    c->log_level = fresh.log_level;
  cd_config_free (&fresh);
  return r;
}

void
cd_config_free (struct cd_config *c)
{
  free (c->host);
  free (c->root);
  free (c->exec_root);
  free (c->config_path);
  free (c->group);
  free (c->cgroup_parent);
  free (c->bridge);
  free (c->bip);
  free (c->init_path);
  free (c->metrics_addr);
  json_object_put (c->log_opts);
  json_object_put (c->default_pools);
  json_object_put (c->insecure_registries);
  json_object_put (c->registry_mirrors);
  memset (c, 0, sizeof *c);
}

const char *
cd_config_socket_path (const struct cd_config *c)
{
  return strncmp (c->host, "unix://", 7) == 0 ? c->host + 7 : NULL;
}
