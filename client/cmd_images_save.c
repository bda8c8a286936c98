/* cdctl save: GET /images/get?names=a&names=b, a tar stream written to -o FILE
 * (through FILE.tmp, renamed when complete) or to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "client/cmd_images.h"
#include "client/commands.h"
#include "client/url.h"

struct save_out
{
  int fd;
  const char *what; /* for errors: "/x/busybox.tar.tmp" or "standard output" */
};

static int
write_all (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  struct save_out *o = userdata;
  while (len > 0)
    {
      ssize_t n = write (o->fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cd_err_sys (err, errno, "writing %s", o->what);
      data += n;
      len -= (size_t) n;
    }
  return 0;
}

/* docker's ValidateOutputPath: the directory must exist, the path must not
 * be a directory. */
static int
check_output (const char *file, struct cd_err *err)
{
  cleanup_free char *copy = strdup (file);
  struct stat st;
  if (copy == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  const char *dir = dirname (copy);
  if (stat (dir, &st) < 0 && errno == ENOENT)
    return cd_err_set (err, ENOENT,
                       "failed to save image: invalid output path: directory \"%s\" does not exist",
                       dir);
  if (stat (file, &st) == 0 && S_ISDIR (st.st_mode))
    return cd_err_set (err, EISDIR,
                       "failed to save image: invalid output path: \"%s\" is a directory", file);
  return 0;
}

static int
save_path (const struct cli_args *args, char **path, struct cd_err *err)
{
  struct cli_query q = { 0 };
  for (int i = 0; i < args->argc; i++)
    cli_query_add (&q, "names", args->argv[i]);
  const char *platform = cli_args_str (args, "platform");
  if (platform && *platform)
    cli_query_add (&q, "platform", platform);
  *path = cli_query_finish (&q, "/images/get");
  return *path ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

/* Streams into FILE.tmp and renames it over FILE when the whole tar arrived. */
static int
save_to_file (struct cli_ctx *ctx, const char *path, const char *file, struct cd_err *err)
{
  cleanup_free char *tmp = NULL;
  int r = check_output (file, err);
  if (r < 0)
    return r;
  if (asprintf (&tmp, "%s.tmp", file) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct save_out o = { .fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666),
                        .what = tmp };
  if (o.fd < 0)
    return cd_err_sys (err, errno, "failed to save image: cannot create %s", tmp);
  r = cli_http_stream (ctx->http, "GET", path, write_all, &o, err);
  if (r == 0 && fsync (o.fd) < 0 && errno != EINVAL)
    r = cd_err_sys (err, errno, "writing %s", tmp);
  if (close (o.fd) < 0 && r == 0)
    r = cd_err_sys (err, errno, "writing %s", tmp);
  if (r == 0 && rename (tmp, file) < 0)
    r = cd_err_sys (err, errno, "failed to save image: cannot rename %s to %s", tmp, file);
  if (r < 0)
    unlink (tmp);
  return r;
}

static int
save_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  const char *output = cli_args_str (args, "output");
  int to_file = output && *output;
  if (!to_file && cli_img_isatty (ctx->out))
    return cd_err_set (err, EINVAL,
                       "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  cleanup_free char *path = NULL;
  int r = save_path (args, &path, err);
  if (r < 0)
    return r;
  if (to_file)
    return save_to_file (ctx, path, output, err);
  fflush (ctx->out);
  struct save_out o = { .fd = fileno (ctx->out), .what = "standard output" };
  return cli_http_stream (ctx->http, "GET", path, write_all, &o, err);
}

static const struct cli_flag save_flags[] = {
  { "output", 'o', CLI_FLAG_STRING, NULL, "Write to a file, instead of STDOUT", NULL, NULL },
  { "platform", 0, CLI_FLAG_STRING, NULL, "Save only the given platform variant", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_save = {
  .name = "save",
  .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
  .usage = "[OPTIONS] IMAGE [IMAGE...]",
  .flags = save_flags,
  .min_args = 1,
  .max_args = -1,
  .run = save_run,
};
