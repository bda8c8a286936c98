/* cdmon: the per-container monitor. One per running container, started by
 * cdaemon, double-forked so it outlives a SIGKILL of the daemon. Knows no
 * database and no HTTP; starts the container through runtime/.
 *
 * Command line (argv only, never a shell):
 *   cdmon --id ID --bundle DIR --log-path FILE [--log-max-size BYTES]
 *         [--log-max-file N] [--tty] [--stdin] [--sync-fd FD] [--seccomp-cache DIR]
 *
 * Start protocol: cdmon forks twice (the first child calls setsid; the
 * original process exits at once so the daemon reaps it), or once when it
 * is a session leader already (the daemon spawns it so); the monitor
 * writes DIR/monitor.pid (temp + rename), listens on DIR/ctl.sock, starts the
 * container with rt_start and then, before its exec of cdmon-relay, writes
 * ONE line of JSON to --sync-fd and closes it:
 *   {"pid": 1234, "started_at": "2026-11-23T10:00:00.123456789Z"}
 *   {"error": "exec: \"nosuch\": executable file not found in $PATH",
 *    "exit_code": 127}                      (then cdmon exits, nothing left)
 *
 * While the container runs: stdout and stderr are relayed into the json-file
 * log (Docker's format, one object per line:
 *   {"log":"hi\n","stream":"stdout","time":"2026-11-23T10:00:00.123456789Z"}
 * lines longer than 16 KiB are split into several entries as Docker does;
 * rotation at --log-max-size into FILE.1 .. FILE.(N-1)); memory is bounded.
 *
 * Control socket DIR/ctl.sock (stream, JSON lines both ways, several clients):
 *   -> {"cmd":"kill","signal":15}      <- {"ok":true} | {"error":"..."}
 *   -> {"cmd":"state"}                 <- {"pid":1234,"running":true,"started_at":"..."}
 *   -> {"cmd":"resize","h":24,"w":80}  (tty) <- {"ok":true}
 *   <- {"event":"exit", ...exit.json fields...}   pushed to every client
 *
 * When the init exits: DIR/exit.json is written atomically
 *   {"exit_code":3,"signal":0,"oom_killed":false,
 *    "started_at":"...","finished_at":"2026-11-23T10:00:05.5Z"}
 * (exit_code is 128+signal when killed by a signal), rt_cleanup runs, the
 * exit event goes to connected clients, and cdmon exits. */
#ifndef CD_MONITOR_H
#define CD_MONITOR_H

#define MON_LOG_LINE_MAX (16 * 1024)

#endif
