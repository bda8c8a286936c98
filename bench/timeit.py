#!/usr/bin/python3
"""timeit.py RUNS WARMUP CMD [ARG...]: run CMD WARMUP times untimed, then RUNS
times, printing each run's wall time in ms (monotonic clock around the whole
process, stdin from /dev/null, output discarded). Exits 1 with the command's
stderr when a run fails, so a broken benchmark never reports a number."""
import subprocess
import sys
import time


def main():
    runs, warmup, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    for i in range(warmup + runs):
        t0 = time.monotonic_ns()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t1 = time.monotonic_ns()
        if p.returncode != 0:
            sys.stderr.write("%s: exit %d\n%s" % (" ".join(cmd), p.returncode,
                                                   p.stderr.decode(errors="replace")))
            sys.exit(1)
        if i >= warmup:
            print(round((t1 - t0) / 1e6, 2), flush=True)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the bench was interrupted: stop starting things
        sys.exit(1)
