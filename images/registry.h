/* The client side of the OCI distribution spec (docker pull / push / login)
 * over libcurl.  Knows no HTTP server: callers give the X-Registry-Auth value
 * and a message callback (Docker's JSON progress messages).  Everything here
 * blocks: run it on a worker thread. */
#ifndef CD_IMG_REGISTRY_H
#define CD_IMG_REGISTRY_H

#include "images/images.h"

struct img_reg_opts
{
  json_object *insecure;   /* array of "host[:port]" or CIDR-less hosts: plain HTTP allowed,
                            * TLS unverified (127.0.0.1, localhost, ::1 always) */
  json_object *mirrors;    /* array of base URLs tried first for docker.io */
  const char *certs_dir;   /* "<dir>/HOST:PORT/ca.crt"; default /etc/cdaemon/certs.d */
  const char *hub_host;    /* the registry behind docker.io; default registry-1.docker.io */
  int max_downloads;       /* parallel layer downloads, default 3 */
};

/* Credentials as the docker CLI sends them in X-Registry-Auth (base64url of
 * {"username","password","serveraddress","identitytoken","registrytoken"}). */
struct img_reg_creds
{
  char *username, *password, *registrytoken;
};

/* Decodes an X-Registry-Auth value (NULL or "" give no credentials). */
int img_reg_creds_parse (const char *header, struct img_reg_creds *out, struct cd_err *err);
void img_reg_creds_clear (struct img_reg_creds *c);

/* docker pull ref (tag defaults to latest; "@sha256:" digests): streams
 * messages to msg (which must be thread-safe: layers download in parallel). */
int img_pull (struct img_store *is, const struct img_reg_opts *o, const char *ref,
              const struct img_reg_creds *cr, img_msg_fn msg, void *mctx, struct cd_err *err);

/* docker push name[:tag] (every tag of the repository without one). */
int img_push (struct img_store *is, const struct img_reg_opts *o, const char *name,
              const char *tag, const struct img_reg_creds *cr, img_msg_fn msg, void *mctx,
              struct cd_err *err);

/* POST /auth: checks the credentials against the registry at server
 * ("127.0.0.1:5000", "https://host/", empty for docker.io). */
int img_reg_login (const struct img_reg_opts *o, const char *server,
                   const struct img_reg_creds *cr, struct cd_err *err);

#endif
