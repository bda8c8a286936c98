/* cdctl events: the daemon's event stream (GET /events), one line per event,
 * until --until passes (the daemon closes) or Ctrl-C. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "client/commands.h"
#include "client/filters.h"
#include "client/format.h"
#include "client/http.h"
#include "client/jsonget.h"
#include "client/timestamp.h"
#include "client/url.h"

struct events_out
{
  FILE *out;
  int json;
  json_tokener *tok; /* carries a half-received event across chunks */
};

static int
str_cmp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* " (image=busybox, name=foo)": Actor.Attributes sorted by key. */
static void
print_attributes (FILE *out, json_object *attrs)
{
  if (attrs == NULL || !json_object_is_type (attrs, json_type_object))
    return;
  size_t n = (size_t) json_object_object_length (attrs), i = 0;
  if (n == 0)
    return;
  cleanup_free const char **keys = calloc (n, sizeof *keys);
  if (keys == NULL)
    return;
  json_object_object_foreach (attrs, k, v)
  {
    (void) v;
    keys[i++] = k;
  }
  qsort (keys, n, sizeof *keys, str_cmp);
  for (i = 0; i < n; i++)
    fprintf (out, "%s%s=%s", i ? ", " : " (", keys[i],
             json_object_get_string (cli_json_path (attrs, keys[i])));
  fputc (')', out);
}

/* "2026-11-23T10:00:00.123456789Z container create 3f4e... (image=busybox, name=foo)" */
static void
print_event (FILE *out, json_object *ev)
{
  char when[64];
  int64_t nano = cli_json_int (ev, "timeNano", 0), sec = cli_json_int (ev, "time", 0);
  if (nano != 0)
    fprintf (out, "%s ",
             cli_format_time_nano (nano / 1000000000LL, (long) (nano % 1000000000LL), when,
                                   sizeof when));
  else if (sec != 0)
    fprintf (out, "%s ", cli_format_time_nano (sec, 0, when, sizeof when));
  fprintf (out, "%s %s %s", cli_json_strd (ev, "Type", ""), cli_json_strd (ev, "Action", ""),
           cli_json_strd (ev, "Actor.ID", ""));
  print_attributes (out, cli_json_path (ev, "Actor.Attributes"));
  fputc ('\n', out);
}

static int
on_events (const char *data, size_t len, void *userdata, struct cd_err *err)
{
  struct events_out *st = userdata;
  while (len > 0)
    {
      json_object *ev = json_tokener_parse_ex (st->tok, data, (int) len);
      enum json_tokener_error je = json_tokener_get_error (st->tok);
      if (ev == NULL && je == json_tokener_continue)
        return 0; /* the whole chunk is buffered in the tokener */
      if (ev == NULL)
        return cd_err_set (err, EPROTO, "cdaemon sent an invalid event: %s",
                           json_tokener_error_desc (je));
      size_t used = json_tokener_get_parse_end (st->tok);
      if (st->json)
        fprintf (st->out, "%s\n",
                 json_object_to_json_string_ext (ev, JSON_C_TO_STRING_PLAIN
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
      else
        print_event (st->out, ev);
      json_object_put (ev);
      if (fflush (st->out) != 0)
        return cd_err_sys (err, errno, "writing events");
      data += used;
      len -= used;
    }
  return 0;
}

/* "/events?since=..&until=..&filters=.." from the flags. */
static int
events_path (const struct cli_args *args, char **path, struct cd_err *err)
{
  struct cli_query q = { 0 };
  static const char *const times[] = { "since", "until" };
  time_t now = time (NULL);
  for (size_t i = 0; i < 2; i++)
    {
      const char *v = cli_args_str (args, times[i]);
      char ts[64];
      if (v == NULL || *v == '\0')
        continue;
      int r = cli_parse_timestamp (v, now, ts, sizeof ts, err);
      if (r < 0)
        {
          cli_query_free (&q);
          return r;
        }
      cli_query_add (&q, times[i], ts);
    }
  size_t nf;
  const char *const *filters = cli_args_list (args, "filter", &nf);
  int r = cli_query_add_filters (&q, filters, nf, err);
  if (r < 0)
    {
      cli_query_free (&q);
      return r;
    }
  *path = cli_query_finish (&q, "/events");
  return *path ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

static int
events_run (struct cli_ctx *ctx, const struct cli_args *args, struct cd_err *err)
{
  cleanup_free char *path = NULL;
  int r = events_path (args, &path, err);
  if (r < 0)
    return r;
  struct events_out st = { .out = ctx->out,
                           .json = cli_format_is_json (cli_args_str (args, "format")),
                           .tok = json_tokener_new () };
  if (st.tok == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  r = cli_http_stream (ctx->http, "GET", path, on_events, &st, err);
  json_tokener_free (st.tok);
  return r;
}

static const struct cli_flag events_flags[] = {
  { "filter", 'f', CLI_FLAG_LIST, "filter",
    "Filter output based on conditions provided\n(type=container, event=start, container=NAME,\n"
    "image=NAME, label=KEY=VALUE, ...)",
    NULL, cli_filter_check },
  { "format", 0, CLI_FLAG_STRING, NULL, "Format output: 'json' prints each event as JSON", NULL,
    cli_format_check },
  { "since", 0, CLI_FLAG_STRING, NULL,
    "Show all events created since timestamp (unix time,\nRFC 3339 time, or a duration such as "
    "10m or 1h30m)",
    NULL, NULL },
  { "until", 0, CLI_FLAG_STRING, NULL, "Stream events until this timestamp", NULL, NULL },
  { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct cli_cmd cli_cmd_events = {
  .name = "events",
  .summary = "Get real time events from the server",
  .flags = events_flags,
  .max_args = 0,
  .run = events_run,
};
