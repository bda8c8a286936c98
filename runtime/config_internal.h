/* Shared between config.c and config_linux.c only. */
#ifndef CD_RUNTIME_CONFIG_INTERNAL_H
#define CD_RUNTIME_CONFIG_INTERNAL_H

#include <json-c/json.h>

#include "config.h"

char *rt_bundle_path (const char *bundle, const char *p);
int rt_config_parse_mounts (json_object *root, const char *bundle, struct rt_config *c,
                            struct cd_err *err);
int rt_config_parse_linux (json_object *root, struct rt_config *c, struct cd_err *err);
/* Cross-field checks once everything is parsed. */
int rt_config_validate (const struct rt_config *c, struct cd_err *err);

#endif
