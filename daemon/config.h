#ifndef CD_CONFIG_H
#define CD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "err.h"
#include "log.h"

#define CD_DEFAULT_HOST "unix:///run/cdaemon.sock"
#define CD_DEFAULT_ROOT "/var/lib/cdaemon"
#define CD_DEFAULT_EXEC_ROOT "/run/cdaemon"
#define CD_DEFAULT_CONFIG "/etc/cdaemon/daemon.json"
#define CD_DEFAULT_GROUP "cdaemon"

struct cd_config
{
  char *host;          /* unix:///path or fd:// */
  char *root;
  char *exec_root;
  char *config_path;
  char *group;         /* owner group of the socket */
  bool group_explicit; /* a missing explicit group is an error, the default one is not */
  enum cd_log_level log_level;
  char *cgroup_parent;
  char *bridge;
  char *bip;
  json_object *log_opts;      /* {"max-size": "20m", "max-file": "5"} */
  json_object *default_pools; /* default-address-pools */
  size_t max_body;            /* bytes accepted in a JSON request body */
  int shutdown_timeout;       /* seconds to drain requests on SIGTERM */
  bool init;                  /* --init for containers that do not say (HostConfig.Init null) */
  char *init_path;            /* init-path: the init binary; NULL: cdinit next to cdaemon */
  char *metrics_addr;         /* metrics-addr: "127.0.0.1:9323", NULL: off */
  int64_t events_max_count;   /* events-max-count: events kept in the store */
  int64_t events_max_age;     /* events-max-age: seconds an event is kept (0: no limit) */
  json_object *insecure_registries; /* insecure-registries / --insecure-registry */
  json_object *registry_mirrors;    /* registry-mirrors / --registry-mirror */
  int max_downloads;                /* max-concurrent-downloads (0: 3) */
};

/* Parses argv (flags win) and the config file. Returns 1 when --help or
 * --version was handled (caller exits 0), 0 to run, negative on error. */
int cd_config_load (struct cd_config *c, int argc, char **argv, struct cd_err *err);
/* Re-reads only the log level from the config file (SIGHUP). */
int cd_config_reload_log_level (struct cd_config *c, struct cd_err *err);
void cd_config_free (struct cd_config *c);
/* The socket path of a unix:// host, or NULL for fd://. */
const char *cd_config_socket_path (const struct cd_config *c);

#endif
