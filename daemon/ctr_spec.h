/* The configuration of a new container: Docker's create body validated,
 * merged with the image's config the way Docker merges it. Pure logic. */
#ifndef CD_CTR_SPEC_H
#define CD_CTR_SPEC_H

#include <stdbool.h>
#include <json-c/json.h>

#include "err.h"

struct ctr_spec
{
  json_object *config;       /* Docker ContainerConfig, merged with the image's */
  json_object *host_config;  /* Docker HostConfig, defaults filled in */
  json_object *warnings;     /* array of strings */
};

/* body: the POST /containers/create JSON; image_config: the image's config
 * JSON (its "config" member is used). Bad fields give -EINVAL naming the
 * field. */
int ctr_spec_build (json_object *body, json_object *image_config, struct ctr_spec *out,
                    struct cd_err *err);
void ctr_spec_free (struct ctr_spec *s);
/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ with an optional '/'. */
bool ctr_name_valid (const char *name);
/* A random "adjective_surname" like Docker's; buf >= 64 bytes. */
void ctr_random_name (char *buf, size_t len);
/* Entrypoint + Cmd as the process argv (a new array), NULL when empty. */
json_object *ctr_spec_argv (json_object *config);

#endif
