/* cdmon --exec: the helper of one `docker exec`, spawned by cdaemon.
 *
 *   cdmon --exec --bundle DIR --exec-spec JSON
 *   fd 3: control socket to the daemon; fd 4: the client's hijacked
 *   connection (absent when the exec is detached).
 *
 * JSON: {"pid":INIT_PID,"Cmd":[...],"Env":[...],"User":"","WorkingDir":"",
 *        "Privileged":false,"Tty":false,"AttachStdin":true,
 *        "AttachStdout":true,"AttachStderr":true,"keys":"16,17","h":24,"w":80}
 *
 * The helper starts the process in the container (rt_exec_spawn), relays
 * the client's bytes to its stdin (EOF closes it) and its output to the
 * client (Docker's 8-byte multiplexed frames without a tty, raw with one).
 * Control lines, both ways:
 *   <- "pid N"            the process runs
 *   <- "exit N"           it has exited and its output is drained; the
 *                         daemon answers "ok" (then the client connection
 *                         closes, so the exit code is on record first)
 *   -> "resize H W"       the pty's size */
#ifndef CD_MON_EXEC_H
#define CD_MON_EXEC_H

int mon_exec_main (const char *bundle, const char *spec);

#endif
