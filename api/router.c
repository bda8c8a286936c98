#include "api/router.h"

#include <stdlib.h>
#include <string.h>

static const struct api_route *const tables[] = {
  api_system_routes,
  api_image_routes,
  api_container_routes,
  api_attach_routes,
  api_container_run_routes,
  api_container_top_routes,
  api_container_res_routes,
  api_image_io_routes,
  api_volume_routes,
  api_exec_routes,
  api_stats_routes,
  api_metrics_routes,
  api_registry_routes,
};

int
api_parse_version (const char *url, const char **rest, int *minor, struct cd_err *err)
{
  *rest = url;
  *minor = 41;
  if (url[0] != '/' || url[1] != 'v' || url[2] < '0' || url[2] > '9')
    return 0;
  char *end;
  long maj = strtol (url + 2, &end, 10);
  if (*end != '.')
    return 0;
  long min = strtol (end + 1, &end, 10);
  if (*end != '/' && *end != '\0')
    return 0;
  *rest = *end ? end : "/";
  if (maj > 1 || (maj == 1 && min > 41))
    return cd_err_set (err, EINVAL,
                       "client version %ld.%ld is too new. Maximum supported API version is "
                       CD_API_VERSION, maj, min);
  if (maj < 1 || min < 24)
    return cd_err_set (err, EINVAL,
                       "client version %ld.%ld is too old. Minimum supported API version is "
                       CD_API_MIN_VERSION ", please upgrade your client to a newer version",
                       maj, min);
  *minor = (int) min;
  return 0;
}

/* Matches pattern against path segment by segment; "{}" takes one segment,
 * a trailing "{*}" takes the rest (image names contain slashes). */
static bool
match (const char *pattern, const char *path, struct api_req *req)
{
  int n = 0;
  char *caps[API_MAX_PARAMS];
  const char *p = pattern, *s = path;
  while (*p && *s)
    {
      if (strncmp (p, "{*}", 3) == 0 && n < API_MAX_PARAMS)
        {
          /* Greedy up to the literal suffix after {*}, e.g. "{*}/json". */
          const char *suffix = p + 3;
          size_t sl = strlen (suffix), rl = strlen (s);
          if (rl <= sl || strcmp (s + rl - sl, suffix) != 0)
            goto fail;
          caps[n++] = strndup (s, rl - sl);
          s += rl;
          p += 3 + sl;
          break;
        }
      if (strncmp (p, "{}", 2) == 0 && n < API_MAX_PARAMS)
        {
          size_t len = strcspn (s, "/");
          if (len == 0)
            goto fail;
          caps[n++] = strndup (s, len);
          s += len;
          p += 2;
          continue;
        }
      if (*p != *s)
        goto fail;
      p++, s++;
    }
  if (*p || (*s && strcmp (s, "/") != 0))
    goto fail;
  for (int i = 0; i < req->nparams; i++)
    free (req->params[i]);
  memcpy (req->params, caps, sizeof (char *) * n);
  req->nparams = n;
  return true;
fail:
  for (int i = 0; i < n; i++)
    free (caps[i]);
  return false;
}

const struct api_route *
api_route_match (struct api_req *req, const char *method, const char *path, bool *path_known)
{
  *path_known = false;
  bool head = strcmp (method, "HEAD") == 0;
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (const struct api_route *r = tables[t]; r->method; r++)
      {
        if (!match (r->pattern, path, req))
          continue;
        *path_known = true;
        if (strcmp (r->method, method) == 0 || (head && strcmp (r->method, "GET") == 0))
          return r;
      }
  return NULL;
}
