/* cdctl tag, cdctl rmi (image rm) and cdctl image prune. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/jsonget.h"
#include "client/url.h"

/* ---- tag ---- */

static int
tag_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *source = args->argv[0], *target = args->argv[1];
  char buf[1024];
  const char *repo, *tag, *digest;
  if (cli_img_check_ref (target, err) < 0)
    return cd_err_wrap (err, "Error parsing reference: \"%s\" is not a valid repository/tag",
                        target);
  int r = cli_img_split_ref (target, buf, sizeof buf, &repo, &tag, &digest, err);
  if (r < 0)
    return r;
  if (digest)
    return cd_err_set (err, EINVAL, "refusing to create a tag with a digest reference");
  cleanup_free char *base = cli_img_path (source, "/tag");
  if (base == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_query q = { 0 };
  cli_query_add (&q, "repo", repo);
  cli_query_add (&q, "tag", *tag ? tag : "latest");
  cleanup_free char *path = cli_query_finish (&q, base);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  return cli_http_call (ctx->http, "POST", path, NULL, &resp, err);
}

const struct cli_cmd cli_cmd_tag = {
  .name = "tag",
  .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  .stop_at_positional = 1,
  .min_args = 2,
  .max_args = 2,
  .run = tag_run,
};

/* ---- rmi ---- */

/* Removes one image and prints what the daemon untagged and deleted. */
static int
remove_one (struct cli_ctx *ctx, const char *name, const struct cli_args *args,
            struct cd_err *err)
{
  cleanup_free char *base = cli_img_path (name, "");
  if (base == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct cli_query q = { 0 };
  cli_query_add_bool (&q, "force", cli_args_bool (args, "force"));
  cli_query_add_bool (&q, "noprune", cli_args_bool (args, "no-prune"));
  cleanup_free char *path = cli_query_finish (&q, base);
  if (path == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  int r = cli_http_call (ctx->http, "DELETE", path, NULL, &resp, err);
  if (r < 0)
    return r;
  for (size_t i = 0; resp.json && json_object_is_type (resp.json, json_type_array)
                     && i < json_object_array_length (resp.json);
       i++)
    {
      json_object *e = json_object_array_get_idx (resp.json, i);
      const char *deleted = cli_json_strd (e, "Deleted", "");
      if (*deleted)
        fprintf (ctx->out, "Deleted: %s\n", deleted);
      else
        fprintf (ctx->out, "Untagged: %s\n", cli_json_strd (e, "Untagged", ""));
    }
  return 0;
}

/* As docker: every image is tried; the errors are printed at the end. With
 * --force, images that do not exist do not fail the command. */
static int
rmi_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  int fatal = 0, failed = 0;
  cd_err_clear (err);
  for (int i = 0; i < args->argc; i++)
    {
      struct cd_err one = { 0 };
      int r = remove_one (ctx, args->argv[i], args, &one);
      if (r == -ECONNREFUSED || r == -EACCES)
        return cd_err_set (err, -r, "%s", one.msg);
      if (r < 0)
        {
          fatal |= r != -ENOENT;
          size_t len = strlen (err->msg);
          snprintf (err->msg + len, sizeof err->msg - len, "%s%s", failed ? "\n" : "", one.msg);
          failed = 1;
        }
    }
  if (!failed)
    return 0;
  err->code = EIO;
  if (!cli_args_bool (args, "force") || fatal)
    return -EIO;
  fflush (ctx->out);
  fprintf (stderr, "%s\n", err->msg);
  cd_err_clear (err);
  return 0;
}

static const struct cli_flag rmi_flags[] = {
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Force removal of the image", NULL, NULL },
  { "no-prune", 0, CLI_FLAG_BOOL, NULL, "Do not delete untagged parents", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_rmi = {
  .name = "rmi",
  .summary = "Remove one or more images",
  .usage = "[OPTIONS] IMAGE [IMAGE...]",
  .flags = rmi_flags,
  .min_args = 1,
  .max_args = -1,
  .run = rmi_run,
};

static const char *const rm_aliases[] = { "remove", NULL };

const struct cli_cmd cli_cmd_image_rm = {
  .name = "rm",
  .aliases = rm_aliases,
  .summary = "Remove one or more images",
  .usage = "[OPTIONS] IMAGE [IMAGE...]",
  .flags = rmi_flags,
  .min_args = 1,
  .max_args = -1,
  .run = rmi_run,
};

/* ---- image prune ---- */

static void
print_prune (FILE *out, json_object *report)
{
  json_object *del = cli_json_path (report, "ImagesDeleted");
  size_t n = del && json_object_is_type (del, json_type_array) ? json_object_array_length (del)
                                                               : 0;
  if (n > 0)
    {
      fputs ("Deleted Images:\n", out);
      for (size_t i = 0; i < n; i++)
        {
          json_object *e = json_object_array_get_idx (del, i);
          const char *u = cli_json_strd (e, "Untagged", "");
          if (*u)
            fprintf (out, "untagged: %s\n", u);
          else
            fprintf (out, "deleted: %s\n", cli_json_strd (e, "Deleted", ""));
        }
      fputc ('\n', out);
    }
  char size[CLI_HUMAN_LEN];
  fprintf (out, "Total reclaimed space: %s\n",
           cli_human_size_prec ((double) cli_json_int (report, "SpaceReclaimed", 0), 4, size,
                                sizeof size));
}

static int
prune_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  int all = cli_args_bool (args, "all");
  if (!cli_args_bool (args, "force")
      && !cli_confirm (ctx->out, all ? "WARNING! This will remove all images without at least one "
                                   "container associated to them.\nAre you sure you want to "
                                   "continue?"
                                 : "WARNING! This will remove all dangling images.\nAre you sure "
                                   "you want to continue?"))
    return 0;
  size_t n;
  const char *const *filters = cli_args_list (args, "filter", &n);
  cleanup_free const char **words = calloc (n + 1, sizeof *words);
  if (words == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if (n > 0)
    memcpy (words, filters, n * sizeof *words);
  words[n] = all ? "dangling=false" : "dangling=true";
  struct cli_query q = { 0 };
  int r = cli_query_add_filters (&q, words, n + 1, err);
  cleanup_free char *path = r == 0 ? cli_query_finish (&q, "/images/prune") : NULL;
  if (r < 0)
    cli_query_free (&q);
  if (r == 0 && path == NULL)
    r = cd_err_set (err, ENOMEM, "out of memory");
  cleanup_response struct cli_response resp = { 0 };
  if (r == 0)
    r = cli_http_call (ctx->http, "POST", path, NULL, &resp, err);
  if (r == 0)
    print_prune (ctx->out, resp.json);
  return r;
}

static const struct cli_flag prune_flags[] = {
  { "all", 'a', CLI_FLAG_BOOL, NULL, "Remove all unused images, not just dangling ones", NULL,
    NULL },
  { "filter", 0, CLI_FLAG_LIST, "filter", "Provide filter values (e.g. \"until=<timestamp>\")",
    NULL, cli_filter_check },
  { "force", 'f', CLI_FLAG_BOOL, NULL, "Do not prompt for confirmation", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_image_prune = {
  .name = "prune",
  .summary = "Remove unused images",
  .flags = prune_flags,
  .max_args = 0,
  .run = prune_run,
};
