/* The daemon's JSON message streams (load, import) shown as docker's
 * jsonmessage package shows them. */
#include "client/cmd_images.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "client/format.h"
#include "client/jsonget.h"

#define MAX_IDS 256

struct cli_jsonmsg
{
  FILE *out;
  int tty;
  json_tokener *tok;
  int pending; /* a message is half received */
  char *ids[MAX_IDS]; /* lines of progress on screen, in order */
  size_t nids;
};

struct cli_jsonmsg *
cli_jsonmsg_new (FILE *out)
{
  struct cli_jsonmsg *jm = calloc (1, sizeof *jm);
  if (jm == NULL)
    return NULL;
  jm->out = out;
  jm->tty = cli_img_isatty (out);
  jm->tok = json_tokener_new ();
  if (jm->tok == NULL)
    {
      free (jm);
      return NULL;
    }
  return jm;
}

static void
forget_ids (struct cli_jsonmsg *jm)
{
  for (size_t i = 0; i < jm->nids; i++)
    free (jm->ids[i]);
  jm->nids = 0;
}

void
cli_jsonmsg_free (struct cli_jsonmsg *jm)
{
  if (jm == NULL)
    return;
  forget_ids (jm);
  json_tokener_free (jm->tok);
  free (jm);
}

int
cli_term_width (int fd)
{
  struct winsize ws;
  if (ioctl (fd, TIOCGWINSZ, &ws) == 0)
    return ws.ws_col;
  return 200;
}

void
cli_progress_string (int64_t current, int64_t total, int width, char *buf, size_t len)
{
  char cur[CLI_HUMAN_LEN], tot[CLI_HUMAN_LEN], bar[64] = "";
  cli_human_size_prec ((double) current, 4, cur, sizeof cur);
  if (total <= 0)
    {
      snprintf (buf, len, "%8s", cur);
      return;
    }
  int pct = (int) ((double) current / (double) total * 100) / 2;
  if (pct > 50)
    pct = 50;
  if (pct < 0)
    pct = 0;
  if (width > 110)
    snprintf (bar, sizeof bar, "[%.*s>%*s] ", pct,
              "==================================================", 50 - pct, "");
  cli_human_size_prec ((double) total, 4, tot, sizeof tot);
  if (current > total)
    snprintf (buf, len, "%s%8s", bar, cur);
  else
    snprintf (buf, len, "%s%8s/%s", bar, cur, tot);
}

/* The screen line of a progress ID, counted from the first; adds it (and a
 * line on a terminal) when new. */
static size_t
id_line (struct cli_jsonmsg *jm, const char *id)
{
  for (size_t i = 0; i < jm->nids; i++)
    if (strcmp (jm->ids[i], id) == 0)
      return i;
  char *dup = jm->nids < MAX_IDS ? strdup (id) : NULL;
  if (dup == NULL)
    {
      forget_ids (jm); /* too many: start over below */
      dup = strdup (id);
      if (dup == NULL)
        return 0;
    }
  jm->ids[jm->nids++] = dup;
  if (jm->tty)
    fputc ('\n', jm->out);
  return jm->nids - 1;
}

/* jsonmessage.JSONMessage.Display. progress: the message had progressDetail. */
static void
display (struct cli_jsonmsg *jm, json_object *m, int progress)
{
  const char *id = cli_json_str (m, "id"), *stream = cli_json_str (m, "stream");
  const char *status = cli_json_strd (m, "status", ""), *from = cli_json_str (m, "from");
  const char *pmsg = cli_json_strd (m, "progress", ""), *endl = "";
  char pstr[160] = "";
  if (progress)
    cli_progress_string (cli_json_int (m, "progressDetail.current", 0),
                         cli_json_int (m, "progressDetail.total", 0),
                         cli_term_width (fileno (jm->out)), pstr, sizeof pstr);
  if (progress && cli_json_int (m, "progressDetail.current", 0) <= 0
      && cli_json_int (m, "progressDetail.total", 0) <= 0)
    pstr[0] = '\0';
  if (jm->tty && stream == NULL && progress)
    {
      fputs ("\033[2K\r", jm->out);
      endl = "\r";
    }
  else if (progress && pstr[0])
    return; /* no progress bars off a terminal */
  if (id && *id)
    fprintf (jm->out, "%s: ", id);
  if (from && *from)
    fprintf (jm->out, "(from %s) ", from);
  if (progress && jm->tty)
    fprintf (jm->out, "%s %s%s", status, pstr, endl);
  else if (*pmsg)
    fprintf (jm->out, "%s %s%s", status, pmsg, endl);
  else if (stream)
    fprintf (jm->out, "%s%s", stream, endl);
  else
    fprintf (jm->out, "%s%s\n", status, endl);
}

/* jsonmessage.DisplayJSONMessagesStream for one message. */
static int
handle (struct cli_jsonmsg *jm, json_object *m, struct cd_err *err)
{
  const char *emsg = cli_json_str (m, "errorDetail.message");
  if (emsg == NULL)
    emsg = cli_json_str (m, "error");
  if (emsg)
    return cd_err_set (err, EIO, "%s", emsg);
  if (cli_json_path (m, "aux"))
    return 0;
  const char *id = cli_json_str (m, "id");
  int progress = cli_json_path (m, "progressDetail") != NULL;
  size_t line = 0, diff = 0;
  if (id && *id && (progress || *cli_json_strd (m, "progress", "")))
    {
      line = id_line (jm, id);
      diff = jm->nids - line;
      if (jm->tty)
        fprintf (jm->out, "\033[%zuA", diff);
    }
  else
    forget_ids (jm);
  display (jm, m, progress);
  if (id && *id && jm->tty && diff)
    fprintf (jm->out, "\033[%zuB", diff);
  fflush (jm->out);
  return 0;
}

int
cli_jsonmsg_feed (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  struct cli_jsonmsg *jm = userdata;
  while (len > 0)
    {
      while (!jm->pending && len > 0 && strchr (" \t\r\n", *data))
        data++, len--;
      if (len == 0)
        break;
      json_object *m = json_tokener_parse_ex (jm->tok, data, (int) len);
      enum json_tokener_error je = json_tokener_get_error (jm->tok);
      jm->pending = m == NULL && je == json_tokener_continue;
      if (jm->pending)
        return 0;
      if (m == NULL)
        return cd_err_set (err, EPROTO, "cdaemon sent an invalid message: %s",
                           json_tokener_error_desc (je));
      size_t used = json_tokener_get_parse_end (jm->tok);
      int r = json_object_is_type (m, json_type_object) ? handle (jm, m, err) : 0;
      json_object_put (m);
      if (r < 0)
        return r;
      data += used;
      len -= used;
    }
  return 0;
}

int
cli_jsonmsg_finish (struct cli_jsonmsg *jm, struct cd_err *err)
{
  if (jm->pending)
    return cd_err_set (err, EPROTO, "cdaemon's answer ended in the middle of a message");
  return 0;
}
