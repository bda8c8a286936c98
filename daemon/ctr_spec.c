#include "daemon/ctr_spec.h"
#include "daemon/ctr_resources.h"
#include "daemon/ctr_security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o && json_object_is_type (o, json_type_object))
    json_object_object_get_ex (o, k, &v);
  return v;
}

bool
ctr_name_valid (const char *name)
{
  if (name[0] == '/')
    name++;
  size_t n = strlen (name);
  if (n < 2 || n > 255)
    return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')
        || (name[0] >= '0' && name[0] <= '9')))
    return false;
  return strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

void
ctr_random_name (char *buf, size_t len)
{
  static const char *const left[] = {
    "admiring", "brave", "clever", "dazzling", "eager", "festive", "gallant", "happy", "jolly",
    "keen", "loving", "modest", "nifty", "optimistic", "quirky", "relaxed", "serene", "tender",
    "upbeat", "vibrant", "wizardly", "youthful", "zealous", "bold", "calm", "elated",
  };
  static const char *const right[] = {
    "lovelace", "turing", "hopper", "ritchie", "thompson", "torvalds", "knuth", "dijkstra",
    "hamilton", "noether", "curie", "babbage", "shannon", "liskov", "kernighan", "wozniak",
    "goldberg", "perlman", "allen", "backus", "cerf", "engelbart", "hoare", "lamport",
  };
  unsigned int r[2] = { 0, 0 };
  if (getrandom (r, sizeof r, 0) != sizeof r)
    r[0] = r[1] = 0;
  snprintf (buf, len, "%s_%s", left[r[0] % (sizeof left / sizeof left[0])],
            right[r[1] % (sizeof right / sizeof right[0])]);
}

/* Type checks: each returns 0 or -EINVAL naming the field. */
static int
want_type (json_object *o, const char *field, json_type t, const char *tname, struct cd_err *err)
{
  json_object *v = get (o, field);
  if (v == NULL || json_object_is_type (v, t))
    return 0;
  return cd_err_set (err, EINVAL, "invalid type for field %s: expected %s", field, tname);
}

static int
want_strings (json_object *o, const char *field, struct cd_err *err)
{
  json_object *v = get (o, field);
  if (v == NULL)
    return 0;
  if (!json_object_is_type (v, json_type_array))
    return cd_err_set (err, EINVAL, "invalid type for field %s: expected an array of strings",
                       field);
  for (size_t i = 0; i < json_object_array_length (v); i++)
    if (!json_object_is_type (json_object_array_get_idx (v, i), json_type_string))
      return cd_err_set (err, EINVAL, "invalid type for field %s[%zu]: expected a string", field,
                         i);
  return 0;
}

/* Cmd and Entrypoint may be given as a string: the API takes it as a
 * one-element list. */
static int
normalise_argv (json_object *cfg, const char *field, struct cd_err *err)
{
  json_object *v = get (cfg, field);
  if (v && json_object_is_type (v, json_type_string))
    {
      json_object *a = json_object_new_array ();
      json_object_array_add (a, json_object_get (v));
      json_object_object_add (cfg, field, a);
      return 0;
    }
  return want_strings (cfg, field, err);
}

static int
validate_config (json_object *cfg, struct cd_err *err)
{
  static const char *const strs[] = { "Hostname", "Domainname", "User", "WorkingDir",
                                      "StopSignal", "Image", "MacAddress", NULL };
  static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
                                       "OpenStdin", "StdinOnce", "NetworkDisabled", NULL };
  int r = 0;
  for (int i = 0; strs[i] && r == 0; i++)
    r = want_type (cfg, strs[i], json_type_string, "a string", err);
  for (int i = 0; bools[i] && r == 0; i++)
    r = want_type (cfg, bools[i], json_type_boolean, "a boolean", err);
  if (r == 0)
    r = want_strings (cfg, "Env", err);
  if (r == 0)
    r = normalise_argv (cfg, "Cmd", err);
  if (r == 0)
    r = normalise_argv (cfg, "Entrypoint", err);
  if (r == 0)
    r = want_type (cfg, "Labels", json_type_object, "an object", err);
  if (r == 0)
    r = want_type (cfg, "StopTimeout", json_type_int, "an integer", err);
  json_object *labels = get (cfg, "Labels");
  if (r == 0 && labels)
    {
      json_object_object_foreach (labels, k, v)
        if (!json_object_is_type (v, json_type_string))
          return cd_err_set (err, EINVAL, "invalid type for field Labels.%s: expected a string", k);
    }
  json_object *env = get (cfg, "Env");
  for (size_t i = 0; r == 0 && env && i < json_object_array_length (env); i++)
    {
      const char *e = json_object_get_string (json_object_array_get_idx (env, i));
      if (e[0] == '=' || e[0] == '\0')
        r = cd_err_set (err, EINVAL, "invalid environment variable: %s", e);
    }
  return r;
}

static int
validate_restart (json_object *hc, struct cd_err *err)
{
  json_object *rp = get (hc, "RestartPolicy");
  if (rp == NULL)
    return 0;
  const char *name = json_object_get_string (get (rp, "Name"));
  int max = json_object_get_int (get (rp, "MaximumRetryCount"));
  if (name == NULL || name[0] == '\0' || strcmp (name, "no") == 0)
    return max ? cd_err_set (err, EINVAL, "invalid restart policy: maximum retry count can only be"
                             " used with 'on-failure'") : 0;
  if (strcmp (name, "always") == 0 || strcmp (name, "unless-stopped") == 0)
    return max ? cd_err_set (err, EINVAL, "invalid restart policy: maximum retry count can only be"
                             " used with 'on-failure'") : 0;
  if (strcmp (name, "on-failure") == 0)
    return max < 0 ? cd_err_set (err, EINVAL, "invalid restart policy: maximum retry count cannot"
                                 " be negative") : 0;
  return cd_err_set (err, EINVAL, "invalid restart policy: unknown policy '%s'; use one of 'no',"
                     " 'always', 'on-failure', or 'unless-stopped'", name);
}

static int
validate_host_config (json_object *hc, struct cd_err *err)
{
  if (!json_object_is_type (hc, json_type_object))
    return cd_err_set (err, EINVAL, "invalid type for field HostConfig: expected an object");
  static const char *const ints[] = { "ShmSize", "Memory", "NanoCpus", "CpuShares", "PidsLimit",
                                      NULL };
  int r = 0;
  for (int i = 0; ints[i] && r == 0; i++)
    r = want_type (hc, ints[i], json_type_int, "an integer", err);
  if (r == 0)
    r = want_type (hc, "NetworkMode", json_type_string, "a string", err);
  if (r == 0)
    r = want_type (hc, "AutoRemove", json_type_boolean, "a boolean", err);
  if (r == 0)
    r = want_type (hc, "Init", json_type_boolean, "a boolean", err);
  if (r == 0)
    r = want_strings (hc, "Binds", err);
  if (r < 0)
    return r;
  const char *nm = json_object_get_string (get (hc, "NetworkMode"));
  if (nm && *nm && strcmp (nm, "none") && strcmp (nm, "host") && strcmp (nm, "default")
      && strcmp (nm, "bridge"))
    return cd_err_set (err, ENOENT, "network %s not found", nm);
  if (json_object_get_boolean (get (hc, "AutoRemove")) && get (get (hc, "RestartPolicy"), "Name")
      && strcmp (json_object_get_string (get (get (hc, "RestartPolicy"), "Name")), "no") != 0
      && *json_object_get_string (get (get (hc, "RestartPolicy"), "Name")))
    return cd_err_set (err, EINVAL, "conflicting options: cannot specify both --restart and --rm");
  return validate_restart (hc, err);
}

/* Image Env first; a container variable replaces the image's of the same name. */
static json_object *
merge_env (json_object *img_env, json_object *ctr_env)
{
  json_object *out = json_object_new_array ();
  size_t ni = img_env ? json_object_array_length (img_env) : 0;
  size_t nc = ctr_env ? json_object_array_length (ctr_env) : 0;
  for (size_t i = 0; i < ni; i++)
    {
      const char *e = json_object_get_string (json_object_array_get_idx (img_env, i));
      size_t kl = strcspn (e, "=");
      bool replaced = false;
      for (size_t j = 0; j < nc && !replaced; j++)
        {
          const char *c = json_object_get_string (json_object_array_get_idx (ctr_env, j));
          replaced = strncmp (c, e, kl) == 0 && (c[kl] == '=' || c[kl] == '\0');
        }
      if (!replaced)
        json_object_array_add (out, json_object_new_string (e));
    }
  for (size_t j = 0; j < nc; j++)
    json_object_array_add (out, json_object_get (json_object_array_get_idx (ctr_env, j)));
  return out;
}

static json_object *
merge_maps (json_object *img, json_object *ctr)
{
  json_object *out = json_object_new_object ();
  if (img && json_object_is_type (img, json_type_object))
    {
      json_object_object_foreach (img, k, v)
        json_object_object_add (out, k, json_object_get (v));
    }
  if (ctr && json_object_is_type (ctr, json_type_object))
    {
      json_object_object_foreach (ctr, k, v)
        json_object_object_add (out, k, json_object_get (v));
    }
  return out;
}

static bool
empty_str (json_object *v)
{
  return v == NULL || json_object_get_string (v)[0] == '\0';
}

static void
take_image_default (json_object *cfg, json_object *icfg, const char *field)
{
  json_object *v = get (icfg, field);
  if (empty_str (get (cfg, field)) && v)
    json_object_object_add (cfg, field, json_object_get (v));
}

static void
merge_image (json_object *cfg, json_object *icfg)
{
  json_object *cmd = get (cfg, "Cmd"), *ep = get (cfg, "Entrypoint");
  bool has_cmd = cmd && json_object_array_length (cmd) > 0;
  /* An Entrypoint given at create time drops the image's Cmd, as Docker does. */
  if (ep == NULL && get (icfg, "Entrypoint"))
    json_object_object_add (cfg, "Entrypoint", json_object_get (get (icfg, "Entrypoint")));
  if (!has_cmd && ep == NULL && get (icfg, "Cmd"))
    json_object_object_add (cfg, "Cmd", json_object_get (get (icfg, "Cmd")));
  json_object_object_add (cfg, "Env", merge_env (get (icfg, "Env"), get (cfg, "Env")));
  json_object_object_add (cfg, "Labels", merge_maps (get (icfg, "Labels"), get (cfg, "Labels")));
  json_object *ports = merge_maps (get (icfg, "ExposedPorts"), get (cfg, "ExposedPorts"));
  json_object *vols = merge_maps (get (icfg, "Volumes"), get (cfg, "Volumes"));
  json_object_object_add (cfg, "ExposedPorts", json_object_object_length (ports) ? ports : NULL);
  if (!json_object_object_length (ports))
    json_object_put (ports);
  json_object_object_add (cfg, "Volumes", json_object_object_length (vols) ? vols : NULL);
  if (!json_object_object_length (vols))
    json_object_put (vols);
  take_image_default (cfg, icfg, "WorkingDir");
  take_image_default (cfg, icfg, "User");
  take_image_default (cfg, icfg, "StopSignal");
  if (get (cfg, "StopTimeout") == NULL && get (icfg, "StopTimeout"))
    json_object_object_add (cfg, "StopTimeout", json_object_get (get (icfg, "StopTimeout")));
}

static json_object *
config_from_body (json_object *body)
{
  static const char *const fields[] = {
    "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr",
    "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped",
    "Image", "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild",
    "Labels", "StopSignal", "StopTimeout", "Shell", NULL,
  };
  json_object *cfg = json_object_new_object ();
  for (int i = 0; fields[i]; i++)
    {
      json_object *v = get (body, fields[i]);
      if (v)
        json_object_object_add (cfg, fields[i], json_object_get (v));
    }
  static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr", "Tty",
                                       "OpenStdin", "StdinOnce", NULL };
  for (int i = 0; bools[i]; i++)
    if (get (cfg, bools[i]) == NULL)
      json_object_object_add (cfg, bools[i], json_object_new_boolean (0));
  static const char *const strs[] = { "Hostname", "Domainname", "User", "WorkingDir", NULL };
  for (int i = 0; strs[i]; i++)
    if (get (cfg, strs[i]) == NULL)
      json_object_object_add (cfg, strs[i], json_object_new_string (""));
  return cfg;
}

static void
host_config_defaults (json_object *hc)
{
  if (empty_str (get (hc, "NetworkMode")))
    json_object_object_add (hc, "NetworkMode", json_object_new_string ("default"));
  if (get (hc, "RestartPolicy") == NULL)
    {
      json_object *rp = json_object_new_object ();
      json_object_object_add (rp, "Name", json_object_new_string ("no"));
      json_object_object_add (rp, "MaximumRetryCount", json_object_new_int (0));
      json_object_object_add (hc, "RestartPolicy", rp);
    }
  if (get (hc, "LogConfig") == NULL || empty_str (get (get (hc, "LogConfig"), "Type")))
    {
      json_object *lc = json_object_new_object ();
      json_object_object_add (lc, "Type", json_object_new_string ("json-file"));
      json_object_object_add (lc, "Config", json_object_new_object ());
      json_object_object_add (hc, "LogConfig", lc);
    }
  if (get (hc, "ShmSize") == NULL || json_object_get_int64 (get (hc, "ShmSize")) == 0)
    json_object_object_add (hc, "ShmSize", json_object_new_int64 (64 << 20));
  if (get (hc, "AutoRemove") == NULL)
    json_object_object_add (hc, "AutoRemove", json_object_new_boolean (0));
}

int
ctr_spec_build (json_object *body, json_object *image_config, struct ctr_spec *out,
                struct cd_err *err)
{
  memset (out, 0, sizeof *out);
  json_object *hc_in = get (body, "HostConfig");
  int r = validate_config (body, err);
  if (r == 0 && hc_in)
    r = validate_host_config (hc_in, err);
  if (r == 0 && hc_in)
    r = ctr_sec_validate (hc_in, err);
  if (r < 0)
    return r;
  out->config = config_from_body (body);
  validate_config (out->config, err); /* normalises Cmd/Entrypoint strings to lists */
  merge_image (out->config, get (image_config, "config"));
  out->host_config = hc_in ? json_tokener_parse (json_object_to_json_string (hc_in))
                           : json_object_new_object ();
  host_config_defaults (out->host_config);
  out->warnings = json_object_new_array ();
  if ((r = ctr_res_check (out->host_config, out->warnings, err)) < 0)
    {
      ctr_spec_free (out);
      return r;
    }
  json_object *argv = ctr_spec_argv (out->config);
  if (argv == NULL)
    {
      ctr_spec_free (out);
      return cd_err_set (err, EINVAL, "no command specified");
    }
  json_object_put (argv);
  return 0;
}

void
ctr_spec_free (struct ctr_spec *s)
{
  json_object_put (s->config);
  json_object_put (s->host_config);
  json_object_put (s->warnings);
  memset (s, 0, sizeof *s);
}

json_object *
ctr_spec_argv (json_object *cfg)
{
  json_object *argv = json_object_new_array ();
  const char *fields[] = { "Entrypoint", "Cmd" };
  for (int f = 0; f < 2; f++)
    {
      json_object *a = get (cfg, fields[f]);
      for (size_t i = 0; a && json_object_is_type (a, json_type_array)
                         && i < json_object_array_length (a); i++)
        json_object_array_add (argv, json_object_get (json_object_array_get_idx (a, i)));
    }
  if (json_object_array_length (argv) == 0)
    {
      json_object_put (argv);
      return NULL;
    }
  return argv;
}
