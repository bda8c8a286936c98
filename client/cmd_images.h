/* Shared by the image commands (client/cmd_images*.c): references, IDs,
 * Go-style JSON output, docker's JSON message display and uploads. */
#ifndef CLI_CMD_IMAGES_H
#define CLI_CMD_IMAGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "err.h"
#include "client/cli.h"
#include "client/http.h"

/* ---- references and IDs (cmd_images_ref.c) ---- */

/* "sha256:0f8f969c9711c7..." -> "0f8f969c9711" (docker's TruncateID): drops
 * the algorithm, keeps 12 characters. Writes into buf (>= 13 bytes). */
const char *cli_img_short_id (const char *id, char *buf, size_t len);

/* Splits "host:5000/a/b:v1" into repo "host:5000/a/b" and tag "v1": the tag
 * follows the last ':' that comes after the last '/'. A missing tag gives ""
 * (callers decide on "latest"). A digest ("name@sha256:...") is cut off and
 * returned in *digest (NULL when absent). The pointers point into buf. */
int cli_img_split_ref (const char *ref, char *buf, size_t len, const char **repo,
                       const char **tag, const char **digest, struct cd_err *err);

/* Checks a reference for tagging/importing as docker's reference package
 * does and sets its message ("invalid reference format: repository name
 * (library/Bad) must be lowercase"). */
int cli_img_check_ref (const char *ref, struct cd_err *err);

/* docker's FamiliarName: "docker.io/library/busybox" -> "busybox". */
const char *cli_img_familiar (const char *name);

/* An image name in an API path: "/images/<escaped><suffix>". malloc'd. */
char *cli_img_path (const char *name, const char *suffix);

/* Whether fd is a terminal (docker's IsTerminal). */
int cli_img_isatty (FILE *f);

/* ---- Go's encoding/json and time output (cmd_images_ref.c) ---- */

/* Writes s as a JSON string the way Go does: <, >, & as \u003c \u003e
 * \u0026, U+2028/2029 escaped, control characters as \n \t or \u00XX. */
void cli_go_json_string (FILE *out, const char *s);

/* Writes {"k1":"v1",...} from n key/value pairs already sorted by key. */
void cli_go_json_flat (FILE *out, const char *const *kv, size_t n);

/* Go's Time.String() in local time: "2024-01-01 00:00:00 +0000 UTC". */
char *cli_go_time_string (int64_t sec, char *buf, size_t len);

/* Go's Time.Format(time.RFC3339) in local time: "2024-01-01T00:00:00Z". */
char *cli_go_time_rfc3339 (int64_t sec, char *buf, size_t len);

/* "2 years ago": go-units HumanDuration(now - sec) + " ago". */
char *cli_go_since (int64_t sec, char *buf, size_t len);

/* Indents raw JSON text as Go's json.Indent(dst, src, "", "    ") does,
 * without reordering keys or touching string escapes. */
void cli_json_indent (FILE *out, const char *src, size_t len);

/* ---- docker's JSON message stream (cmd_images_jsonmsg.c) ---- */

/* The display of a stream of {"status":..,"id":..,"progressDetail":..},
 * {"stream":..} and {"error":..} messages, as docker's
 * jsonmessage.DisplayJSONMessagesStream: on a terminal, one line per layer ID
 * updated in place; elsewhere, progress updates are left out. */
struct cli_jsonmsg;

struct cli_jsonmsg *cli_jsonmsg_new (FILE *out);
/* Feeds a piece of the stream (cli_http_data_fn). An {"error":..} message
 * fails with its message. */
int cli_jsonmsg_feed (const char *data, size_t len, void *jm, struct cd_err *err);
/* Ends the stream: fails on a half-received message. */
int cli_jsonmsg_finish (struct cli_jsonmsg *jm, struct cd_err *err);
void cli_jsonmsg_free (struct cli_jsonmsg *jm);

/* docker's JSONProgress.String(): "[=====>     ]  1.05MB/2.14MB", the bar only
 * when the terminal is wider than 110 columns; total <= 0 prints current. */
void cli_progress_string (int64_t current, int64_t total, int width, char *buf, size_t len);

/* Columns of the terminal on fd; 200 when unknown (as docker). */
int cli_term_width (int fd);

/* ---- streamed uploads (cmd_images_upload.c) ---- */

struct cli_upload
{
  const char *path;         /* "/images/load?quiet=1" */
  int fd;                   /* the body: sized when a regular file, else chunked */
  const char *content_type; /* "application/x-tar" */
  int progress_fd;          /* terminal to draw a bar of bytes sent on; -1: none */
  const char *label;        /* before the bar: "Loading" */
  cli_http_data_fn on_data; /* the 2xx answer, as it arrives */
  void *userdata;
};

/* Sends the body of up to the daemon, drawing the progress bar when asked,
 * and checks the answer as cli_http_check does. */
int cli_upload (struct cli_ctx *ctx, const struct cli_upload *up, struct cd_err *err);

/* ---- the image commands, for the `image` group (cmd_images_group.c) ---- */

extern const struct cli_cmd cli_cmd_image_ls;
extern const struct cli_cmd cli_cmd_image_rm;
extern const struct cli_cmd cli_cmd_image_inspect;
extern const struct cli_cmd cli_cmd_image_prune;

#endif
