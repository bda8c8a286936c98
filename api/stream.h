/* A streaming response fed from a pipe written by a worker thread (or any
 * fd producer): read non-blocking on the loop; while the pipe is empty the
 * connection is suspended and a uv_poll waits for data. */
#ifndef CD_API_STREAM_H
#define CD_API_STREAM_H

#include "api/http.h"

/* Takes ownership of rfd. Replies 200 with the given content type. */
int api_reply_pipe (struct api_req *req, int rfd, const char *ctype);

#endif
