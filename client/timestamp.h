/* Time values on the command line (--since/--until of events and logs) and
 * timestamps in output, with the docker CLI's rules. */
#ifndef CLI_TIMESTAMP_H
#define CLI_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* Go's time.ParseDuration: "300ms", "-1.5h", "1h30m", "2h45m10.5s"; units
 * ns us µs ms s m h. Returns 0 and nanoseconds, or -EINVAL / -ERANGE. */
int cli_parse_go_duration (const char *s, int64_t *nanos);

/* docker's GetTimestamp: value is a Go duration (now minus it), an RFC 3339
 * date/time ("2026-11-23", "2026-11-23T10:00", "2026-11-23T10:00:00.5Z",
 * "...+01:00"; without a zone, local time) or a unix timestamp ("1700000000",
 * "1700000000.5", passed through). Writes the unix time for the API to out:
 * "1700000000", or "1700000000.500000000" when there is a fraction. */
int cli_parse_timestamp (const char *value, time_t now, char *out, size_t len, struct cd_err *err);

/* Formats like Go's "2006-01-02T15:04:05.000000000Z07:00" in local time:
 * "2026-11-23T10:00:00.123456789Z" or "...+01:00". */
char *cli_format_time_nano (int64_t sec, long nsec, char *buf, size_t len);

#endif
