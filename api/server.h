/* The API server: libmicrohttpd in external-epoll mode driven by the libuv loop. */
#ifndef CD_API_SERVER_H
#define CD_API_SERVER_H

#include "daemon/daemon.h"

/* Binds the socket (or takes it from systemd) and starts serving. */
int api_server_start (struct cd_daemon *d, struct api_server **out, struct cd_err *err);
/* Stops accepting new connections and removes the socket file. */
void api_server_quiesce (struct api_server *srv);
/* Makes MHD process resumed connections soon (call after MHD_resume_connection). */
void api_server_kick (struct api_server *srv);
/* Requests being answered right now (streams excluded once ended). */
unsigned int api_server_inflight (struct api_server *srv);
/* Closes every connection and frees the server. */
void api_server_stop (struct api_server *srv);

#endif
