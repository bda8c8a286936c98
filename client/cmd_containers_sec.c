/* The security part of HostConfig from the create/run flags. */
#include "client/cmd_containers_sec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"

static json_object *
list (const struct cli_args *args, const char *flag)
{
  size_t n;
  const char *const *w = cli_args_list (args, flag, &n);
  if (n == 0)
    return NULL;
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < n; i++)
    json_object_array_add (a, json_object_new_string (w[i]));
  return a;
}

/* docker CLI's parseSecurityOpts. */
static int
security_opt (const char *opt, json_object *out, struct cd_err *err)
{
  size_t k = strcspn (opt, "=");
  if (opt[k] == '\0' && strcmp (opt, "no-new-privileges") != 0)
    {
      k = strcspn (opt, ":");
      if (opt[k] == '\0')
        return cd_err_set (err, EINVAL, "Invalid --security-opt: \"%s\"", opt);
    }
  const char *v = opt[k] ? opt + k + 1 : "";
  if (k != 7 || strncmp (opt, "seccomp", 7) != 0 || strcmp (v, "unconfined") == 0
      || strcmp (v, "builtin") == 0)
    {
      json_object_array_add (out, json_object_new_string (opt));
      return 0;
    }
  cleanup_free char *text = NULL;
  size_t len;
  struct cd_err rerr = { 0 };
  if (cd_read_file (v, &text, &len, &rerr) < 0)
    return cd_err_set (err, EINVAL, "opening seccomp profile (%s) failed: %s", v, rerr.msg);
  json_object *j = json_tokener_parse (text);
  if (j == NULL)
    return cd_err_set (err, EINVAL, "compacting json for seccomp profile (%s) failed: invalid "
                                    "JSON", v);
  cleanup_free char *word = NULL;
  int r = asprintf (&word, "seccomp=%s",
                    json_object_to_json_string_ext (j, JSON_C_TO_STRING_PLAIN
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (j);
  if (r < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  json_object_array_add (out, json_object_new_string (word));
  return 0;
}

int
cli_ctr_sec_host_config (const struct cli_args *args, json_object *hc, struct cd_err *err)
{
  json_object *v;
  if ((v = list (args, "cap-add")))
    json_object_object_add (hc, "CapAdd", v);
  if ((v = list (args, "cap-drop")))
    json_object_object_add (hc, "CapDrop", v);
  if (cli_args_bool (args, "privileged"))
    json_object_object_add (hc, "Privileged", json_object_new_boolean (1));
  if (cli_args_bool (args, "read-only"))
    json_object_object_add (hc, "ReadonlyRootfs", json_object_new_boolean (1));
  size_t n;
  const char *const *w = cli_args_list (args, "security-opt", &n);
  if (n)
    {
      json_object *a = json_object_new_array ();
      json_object_object_add (hc, "SecurityOpt", a);
      for (size_t i = 0; i < n; i++)
        if (security_opt (w[i], a, err) < 0)
          return -err->code;
    }
  w = cli_args_list (args, "tmpfs", &n);
  if (n)
    {
      json_object *t = json_object_new_object ();
      json_object_object_add (hc, "Tmpfs", t);
      for (size_t i = 0; i < n; i++)
        {
          const char *colon = strchr (w[i], ':');
          cleanup_free char *dest = strndup (w[i], colon ? (size_t) (colon - w[i]) : strlen (w[i]));
          if (dest == NULL)
            return cd_err_set (err, ENOMEM, "out of memory");
          json_object_object_add (t, dest, json_object_new_string (colon ? colon + 1 : ""));
        }
    }
  return 0;
}
