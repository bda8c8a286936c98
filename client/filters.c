#include "client/filters.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cleanup.h"

struct pair
{
  char *key, *value; /* one allocation, split at '=' */
};

int
cli_filter_check (const char *arg, struct cd_err *err)
{
  if (*arg != '\0' && strchr (arg, '=') == NULL)
    return cd_err_set (err, EINVAL, "bad format of filter (expected name=value)");
  return 0;
}

static char *
trim (char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  size_t n = strlen (s);
  while (n > 0 && isspace ((unsigned char) s[n - 1]))
    s[--n] = '\0';
  return s;
}

static int
pair_cmp (const void *a, const void *b)
{
  const struct pair *x = a, *y = b;
  int c = strcmp (x->key, y->key);
  return c ? c : strcmp (x->value, y->value);
}

/* Splits and normalises the words into pairs; *np counts the non-empty ones. */
static int
split_pairs (const char *const *args, size_t n, struct pair *pairs, size_t *np, struct cd_err *err)
{
  *np = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (args[i][0] == '\0')
        continue;
      int r = cli_filter_check (args[i], err);
      if (r < 0)
        return r;
      char *dup = strdup (args[i]);
      if (dup == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      char *eq = strchr (dup, '=');
      *eq = '\0';
      pairs[*np].key = trim (dup);
      pairs[*np].value = trim (eq + 1);
      for (char *k = pairs[*np].key; *k; k++)
        *k = (char) tolower ((unsigned char) *k);
      /* keep the allocation's start to free it: key may have moved past spaces */
      pairs[*np].key = memmove (dup, pairs[*np].key, strlen (pairs[*np].key) + 1);
      (*np)++;
    }
  qsort (pairs, *np, sizeof *pairs, pair_cmp);
  return 0;
}

static int
build_json (const struct pair *pairs, size_t np, char **out, struct cd_err *err)
{
  json_object *root = json_object_new_object ();
  for (size_t i = 0; root && i < np; i++)
    {
      json_object *set = NULL;
      if (!json_object_object_get_ex (root, pairs[i].key, &set))
        {
          set = json_object_new_object ();
          if (set == NULL || json_object_object_add (root, pairs[i].key, set) < 0)
            break;
        }
      json_object_object_add (set, pairs[i].value, json_object_new_boolean (1));
    }
  if (root)
    *out = strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN
                                                             | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return root && *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

int
cli_filters_json (const char *const *args, size_t n, char **out, struct cd_err *err)
{
  *out = NULL;
  if (n == 0)
    return 0;
  cleanup_free struct pair *pairs = calloc (n, sizeof *pairs);
  if (pairs == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  size_t np = 0;
  int r = split_pairs (args, n, pairs, &np, err);
  if (r == 0 && np > 0)
    r = build_json (pairs, np, out, err);
  for (size_t i = 0; i < np; i++)
    free (pairs[i].key);
  return r;
}

int
cli_query_add_filters (struct cli_query *q, const char *const *args, size_t n, struct cd_err *err)
{
  cleanup_free char *json = NULL;
  int r = cli_filters_json (args, n, &json, err);
  if (r < 0)
    return r;
  cli_query_add (q, "filters", json);
  return 0;
}
