#ifndef CD_LOG_H
#define CD_LOG_H

enum cd_log_level
{
  CD_LOG_ERROR = 0,
  CD_LOG_WARN,
  CD_LOG_INFO,
  CD_LOG_DEBUG,
};

/* Parses "debug|info|warn|error|fatal"; returns 0 or -EINVAL. */
int cd_log_parse_level (const char *s, enum cd_log_level *out);
const char *cd_log_level_name (enum cd_log_level l);
/* The level is process-wide (like syslog's mask): set once at start and on SIGHUP. */
void cd_log_set_level (enum cd_log_level l);
enum cd_log_level cd_log_get_level (void);
void cd_log (enum cd_log_level l, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define log_error(...) cd_log (CD_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) cd_log (CD_LOG_WARN, __VA_ARGS__)
#define log_info(...) cd_log (CD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) cd_log (CD_LOG_DEBUG, __VA_ARGS__)

#endif
