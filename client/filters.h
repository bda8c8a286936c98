/* --filter key=value, as the docker CLI sends it: the query parameter
 * filters={"type":{"container":true},"event":{"start":true}}. */
#ifndef CLI_FILTERS_H
#define CLI_FILTERS_H

#include <stddef.h>

#include "err.h"
#include "client/url.h"

/* Flag check for --filter: "bad format of filter (expected name=value)". */
int cli_filter_check (const char *arg, struct cd_err *err);

/* Builds the filters JSON from "key=value" words (key trimmed and lowercased,
 * value trimmed, empty words skipped, keys and values sorted as Go's
 * encoding/json prints a map). *out is malloc'd, or NULL when there is no
 * filter at all. */
int cli_filters_json (const char *const *args, size_t n, char **out, struct cd_err *err);

/* Adds filters=<json> to q when there is any filter. */
int cli_query_add_filters (struct cli_query *q, const char *const *args, size_t n,
                           struct cd_err *err);

#endif
