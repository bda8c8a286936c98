/* cdctl images / cdctl image ls: GET /images/json, one row per repository
 * and tag of every image, as docker's image formatter prints them. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/jsonget.h"
#include "client/url.h"

struct ls_opts
{
  FILE *out;
  int quiet, json, trunc, digests;
  struct cli_table *t; /* the human table; NULL for -q and json */
};

/* A "repo:tag" or "repo@digest" split, the repository in its familiar form. */
struct ref
{
  char *buf;
  const char *repo, *rest; /* rest: the tag or the digest */
};

static const char *
size_or_na (int64_t v, char *buf, size_t len)
{
  if (v == -1)
    return "N/A";
  return cli_human_size_prec ((double) v, 4, buf, len);
}

/* docker's {{json .}} of an image row: every field as a string, keys sorted. */
static void
json_row (struct ls_opts *o, json_object *img, const char *const cols[4])
{
  char at[64], since[64], size[CLI_HUMAN_LEN], vsize[CLI_HUMAN_LEN], shared[CLI_HUMAN_LEN],
      uniq[CLI_HUMAN_LEN], ctrs[32] = "N/A";
  int64_t created = cli_json_int (img, "Created", 0), sz = cli_json_int (img, "Size", 0);
  int64_t sh = cli_json_int (img, "SharedSize", -1), nc = cli_json_int (img, "Containers", -1);
  if (nc != -1)
    snprintf (ctrs, sizeof ctrs, "%" PRId64, nc);
  const char *const kv[] = {
    "Containers", ctrs,
    "CreatedAt", cli_go_time_string (created, at, sizeof at),
    "CreatedSince", cli_go_since (created, since, sizeof since),
    "Digest", cols[2],
    "ID", cols[3],
    "Repository", cols[0],
    "SharedSize", size_or_na (sh, shared, sizeof shared),
    "Size", cli_human_size ((double) sz, size, sizeof size),
    "Tag", cols[1],
    "UniqueSize", sh == -1 ? "N/A" : size_or_na (sz - sh, uniq, sizeof uniq),
    "VirtualSize", cli_human_size_prec ((double) cli_json_int (img, "VirtualSize", 0), 4, vsize,
                                        sizeof vsize),
  };
  cli_go_json_flat (o->out, kv, sizeof kv / sizeof kv[0] / 2);
}

static int
emit_row (struct ls_opts *o, json_object *img, const char *repo, const char *tag,
          const char *digest)
{
  char idbuf[80], since[64], size[CLI_HUMAN_LEN];
  const char *id = cli_json_strd (img, "Id", "");
  if (o->trunc)
    id = cli_img_short_id (id, idbuf, sizeof idbuf);
  if (o->json)
    {
      const char *const cols[4] = { repo, tag, digest, id };
      json_row (o, img, cols);
      return 0;
    }
  if (o->quiet)
    {
      fprintf (o->out, "%s\n", id);
      return 0;
    }
  cli_go_since (cli_json_int (img, "Created", 0), since, sizeof since);
  cli_human_size ((double) cli_json_int (img, "Size", 0), size, sizeof size);
  if (o->digests)
    return cli_table_add (o->t, repo, tag, digest, id, since, size);
  return cli_table_add (o->t, repo, tag, id, since, size);
}

static void
free_refs (struct ref *refs, size_t n)
{
  for (size_t i = 0; refs && i < n; i++)
    free (refs[i].buf);
  free (refs);
}

/* Splits the strings of arr at sep ('@' for digests, else the tag's ':');
 * entries that do not split keep repo NULL, as docker skips them. */
static int
parse_refs (json_object *arr, int digests, struct ref **out, size_t *n)
{
  *n = arr && json_object_is_type (arr, json_type_array) ? json_object_array_length (arr) : 0;
  *out = calloc (*n ? *n : 1, sizeof **out);
  if (*out == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < *n; i++)
    {
      const char *s = json_object_get_string (json_object_array_get_idx (arr, i));
      struct ref *r = &(*out)[i];
      if (s == NULL || (r->buf = strdup (s)) == NULL)
        continue;
      char *slash = strrchr (r->buf, '/'), *sep = strchr (r->buf, '@');
      if (!digests)
        sep = sep ? NULL : strrchr (r->buf, ':');
      if (sep == NULL || (slash && sep < slash) || sep[1] == '\0' || sep == r->buf)
        continue;
      *sep = '\0';
      r->repo = cli_img_familiar (r->buf);
      r->rest = sep + 1;
    }
  return 0;
}

static int
seen_before (const struct ref *refs, size_t i, const char *repo)
{
  for (size_t j = 0; j < i; j++)
    if (refs[j].repo && strcmp (refs[j].repo, repo) == 0)
      return 1;
  return 0;
}

/* Rows of one repository's tags, with each digest when --digests. */
static int
emit_repo (struct ls_opts *o, json_object *img, const struct ref *tags, size_t nt, size_t first,
           const struct ref *digs, size_t nd)
{
  const char *repo = tags[first].repo;
  for (size_t i = first; i < nt; i++)
    {
      if (tags[i].repo == NULL || strcmp (tags[i].repo, repo) != 0)
        continue;
      int any = 0, r = 0;
      for (size_t d = 0; o->digests && d < nd && r == 0; d++)
        if (digs[d].repo && strcmp (digs[d].repo, repo) == 0)
          {
            any = 1;
            r = emit_row (o, img, repo, tags[i].rest, digs[d].rest);
          }
      if (r == 0 && !any)
        r = emit_row (o, img, repo, tags[i].rest, "<none>");
      if (r < 0)
        return r;
    }
  return 0;
}

/* Rows of repositories known by digest only. */
static int
emit_digest_only (struct ls_opts *o, json_object *img, const struct ref *tags, size_t nt,
                  const struct ref *digs, size_t nd)
{
  for (size_t d = 0; d < nd; d++)
    {
      if (digs[d].repo == NULL || seen_before (tags, nt, digs[d].repo))
        continue;
      int r = 0;
      if (o->digests)
        r = emit_row (o, img, digs[d].repo, "<none>", digs[d].rest);
      else if (!seen_before (digs, d, digs[d].repo))
        r = emit_row (o, img, digs[d].repo, "<none>", "");
      if (r < 0)
        return r;
    }
  return 0;
}

static int
is_dangling (json_object *img)
{
  json_object *t = cli_json_path (img, "RepoTags"), *d = cli_json_path (img, "RepoDigests");
  size_t nt = t && json_object_is_type (t, json_type_array) ? json_object_array_length (t) : 0;
  size_t nd = d && json_object_is_type (d, json_type_array) ? json_object_array_length (d) : 0;
  if (nt == 0 && nd == 0)
    return 1;
  if (nt != 1 || nd != 1)
    return 0;
  const char *tag = json_object_get_string (json_object_array_get_idx (t, 0));
  const char *dig = json_object_get_string (json_object_array_get_idx (d, 0));
  return tag && dig && strcmp (tag, "<none>:<none>") == 0 && strcmp (dig, "<none>@<none>") == 0;
}

static int
emit_image (struct ls_opts *o, json_object *img)
{
  if (is_dangling (img))
    return emit_row (o, img, "<none>", "<none>", "<none>");
  struct ref *tags = NULL, *digs = NULL;
  size_t nt = 0, nd = 0;
  int r = parse_refs (cli_json_path (img, "RepoTags"), 0, &tags, &nt);
  if (r == 0)
    r = parse_refs (cli_json_path (img, "RepoDigests"), 1, &digs, &nd);
  for (size_t i = 0; r == 0 && i < nt; i++)
    if (tags[i].repo && !seen_before (tags, i, tags[i].repo))
      r = emit_repo (o, img, tags, nt, i, digs, nd);
  if (r == 0)
    r = emit_digest_only (o, img, tags, nt, digs, nd);
  free_refs (tags, nt);
  free_refs (digs, nd);
  return r;
}

static int
list_path (const struct cli_args *args, char **path, struct cd_err *err)
{
  struct cli_query q = { 0 };
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  cleanup_free const char **all = calloc (n + 1, sizeof *all);
  if (all == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (n > 0)
    memcpy (all, filters, n * sizeof *all);
  cleanup_free char *ref = NULL;
  if (args->argc > 0 && asprintf (&ref, "reference=%s", args->argv[0]) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (ref)
    all[n++] = ref;
  cli_query_add_bool (&q, "all", cli_args_bool (args, "all"));
  int r = cli_query_add_filters (&q, all, n, err);
  if (r < 0)
    {
      cli_query_free (&q);
      return r;
    }
  *path = cli_query_finish (&q, "/images/json");
  return *path ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

static int
images_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *path = NULL;
  cleanup_response struct cli_response resp = { 0 };
  int r = list_path (args, &path, err);
  if (r == 0)
    r = cli_http_get_json (ctx->http, path, &resp, err);
  if (r < 0)
    return r;
  if (!json_object_is_type (resp.json, json_type_array))
    return cd_err_set (err, EPROTO, "cdaemon sent an image list that is not a JSON array");
  struct ls_opts o = { .out = ctx->out, .quiet = cli_args_bool (args, "quiet"),
                       .json = cli_format_is_json (cli_args_str (args, "format")),
                       .trunc = !cli_args_bool (args, "no-trunc"),
                       .digests = cli_args_bool (args, "digests") };
  cleanup_table struct cli_table *t = NULL;
  if (!o.quiet && !o.json)
    {
      if ((t = o.t = cli_table_new (o.digests ? 6 : 5)) == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      if (o.digests)
        r = cli_table_add (t, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
      else
        r = cli_table_add (t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    }
  for (size_t i = 0; r == 0 && i < json_object_array_length (resp.json); i++)
    r = emit_image (&o, json_object_array_get_idx (resp.json, i));
  if (r < 0)
    return cd_err_set (err, -r, "out of memory");
  if (t)
    cli_table_print (t, ctx->out);
  return 0;
}

static const struct cli_flag images_flags[] = {
  { "all", 'a', CLI_FLAG_BOOL, NULL, "Show all images (default hides intermediate images)", NULL,
    NULL },
  { "digests", 0, CLI_FLAG_BOOL, NULL, "Show digests", NULL, NULL },
  { "filter", 'f', CLI_FLAG_LIST, "filter",
    "Filter output based on conditions provided\n(dangling=true, reference=busy*,\n"
    "label=KEY[=VALUE], before=IMAGE, since=IMAGE)",
    NULL, cli_filter_check },
  { "format", 0, CLI_FLAG_STRING, NULL, "Format output: 'json' prints each image as JSON", NULL,
    cli_format_check },
  { "no-trunc", 0, CLI_FLAG_BOOL, NULL, "Don't truncate output", NULL, NULL },
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Only show image IDs", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_images = {
  .name = "images",
  .summary = "List images",
  .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
  .flags = images_flags,
  .max_args = 1,
  .run = images_run,
};

static const char *const ls_aliases[] = { "list", NULL };

const struct cli_cmd cli_cmd_image_ls = {
  .name = "ls",
  .aliases = ls_aliases,
  .summary = "List images",
  .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
  .flags = images_flags,
  .max_args = 1,
  .run = images_run,
};
