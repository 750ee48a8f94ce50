#!/bin/sh
# low-fds-scardbusd.sh: scardbusd with 192 file descriptors, so that a
# channel flood reaches the daemon's fd reserve (ReservedFds) before the
# per-user caps: the hostile test "channels" then plugs a reader.
ulimit -n 192 || exit 1
exec "$SCB_HOSTILE_SCARDBUSD" "$@"
