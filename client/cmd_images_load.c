/* cdctl load (POST /images/load) and cdctl import (POST /images/create
 * ?fromSrc=-): stream a tarball to the daemon and show its messages. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/url.h"

/* Go's *PathError text: "open /x: no such file or directory". */
static int
open_input (const char *file, int *fd, struct cd_err *err)
{
  *fd = open (file, O_RDONLY | O_CLOEXEC);
  if (*fd >= 0)
    return 0;
  int e = errno;
  char why[128];
  snprintf (why, sizeof why, "%s", strerror (e));
  why[0] = (char) (why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);
  return cd_err_set (err, e, "open %s: %s", file, why);
}

/* Sends fd to path and displays the JSON messages of the answer. With
 * progress_fd >= 0, draws a bar of the bytes sent there meanwhile. */
static int
send_tar (struct cli_ctx *ctx, const char *path, int fd, int progress_fd, const char *label,
          struct cd_err *err)
{
  struct cli_jsonmsg *jm = cli_jsonmsg_new (ctx->out);
  if (jm == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r;
  if (progress_fd >= 0)
    {
      struct cli_upload up = { .path = path, .fd = fd, .content_type = "application/x-tar",
                               .progress_fd = progress_fd, .label = label,
                               .on_data = cli_jsonmsg_feed, .userdata = jm };
      r = cli_upload (ctx, &up, err);
    }
  else
    {
      struct cli_request req = { .method = "POST", .path = path,
                                 .content_type = "application/x-tar", .body_from_fd = fd >= 0,
                                 .body_fd = fd, .on_data = cli_jsonmsg_feed, .userdata = jm };
      cleanup_response struct cli_response resp = { 0 };
      r = cli_http_do (ctx->http, &req, &resp, err);
      if (r == 0)
        r = cli_http_check (&resp, err);
    }
  if (r == 0)
    r = cli_jsonmsg_finish (jm, err);
  cli_jsonmsg_free (jm);
  return r;
}

static int
load_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *input = cli_args_str (args, "input");
  int quiet = cli_args_bool (args, "quiet");
  cleanup_close int file_fd = -1;
  if (input && *input)
    {
      int r = open_input (input, &file_fd, err);
      if (r < 0)
        return r;
    }
  else if (isatty (STDIN_FILENO))
    return cd_err_set (err, EINVAL, "requested load from stdin, but stdin is empty");
  /* As docker: the daemon's layer progress only for a terminal. */
  const char *path = quiet || !cli_img_isatty (ctx->out) ? "/images/load?quiet=1"
                                                          : "/images/load";
  int progress_fd = !quiet && isatty (STDERR_FILENO) ? STDERR_FILENO : -1;
  return send_tar (ctx, path, file_fd >= 0 ? file_fd : STDIN_FILENO, progress_fd, "Loading",
                   err);
}

static const struct cli_flag load_flags[] = {
  { "input", 'i', CLI_FLAG_STRING, NULL, "Read from tar archive file, instead of STDIN", NULL,
    NULL },
  { "quiet", 'q', CLI_FLAG_BOOL, NULL, "Suppress the load output", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_load = {
  .name = "load",
  .summary = "Load an image from a tar archive or STDIN",
  .flags = load_flags,
  .max_args = 0,
  .run = load_run,
};

/* "/images/create?fromSrc=-&repo=..&tag=..&message=..&changes=.." */
static int
import_path (const struct cli_args *args, const char *src, char **path, struct cd_err *err)
{
  char buf[1024];
  const char *repo = NULL, *tag = NULL, *digest = NULL;
  if (args->argc > 1)
    {
      int r = cli_img_check_ref (args->argv[1], err);
      if (r == 0)
        r = cli_img_split_ref (args->argv[1], buf, sizeof buf, &repo, &tag, &digest, err);
      if (r < 0)
        return r;
    }
  struct cli_query q = { 0 };
  cli_query_add (&q, "fromSrc", src);
  cli_query_add (&q, "repo", repo ? repo : "");
  cli_query_add (&q, "tag", tag ? tag : "");
  cli_query_add (&q, "message", cli_args_str (args, "message"));
  const char *platform = cli_args_str (args, "platform");
  if (platform && *platform)
    cli_query_add (&q, "platform", platform);
  size_t n;
  const char *const *changes = cli_args_list (args, "change", &n);
  for (size_t i = 0; i < n; i++)
    cli_query_add (&q, "changes", changes[i]);
  *path = cli_query_finish (&q, "/images/create");
  return *path ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

static int
import_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *source = args->argv[0];
  int url = strncmp (source, "http://", 7) == 0 || strncmp (source, "https://", 8) == 0;
  cleanup_close int fd = -1;
  if (!url && strcmp (source, "-") != 0)
    {
      int r = open_input (source, &fd, err);
      if (r < 0)
        return r;
    }
  cleanup_free char *path = NULL;
  int r = import_path (args, url ? source : "-", &path, err);
  if (r < 0)
    return r;
  int body = url ? -1 : fd >= 0 ? fd : STDIN_FILENO;
  return send_tar (ctx, path, body, -1, NULL, err);
}

static const struct cli_flag import_flags[] = {
  { "change", 'c', CLI_FLAG_LIST, NULL, "Apply Dockerfile instruction to the created image",
    NULL, NULL },
  { "message", 'm', CLI_FLAG_STRING, NULL, "Set commit message for imported image", NULL, NULL },
  { "platform", 0, CLI_FLAG_STRING, NULL, "Set platform if server is multi-platform capable",
    NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_import = {
  .name = "import",
  .summary = "Import the contents from a tarball to create a filesystem image",
  .usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
  .flags = import_flags,
  .min_args = 1,
  .max_args = 2,
  .run = import_run,
};
