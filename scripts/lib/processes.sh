# Shell helpers the scripts share (source it): loopback ports, waiting for a process to listen, stopping processes.
# The caller defines `log` (one line on stderr, with its own prefix).

# True when something accepts connections on 127.0.0.1:PORT.
port_in_use() { # port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits until process PID listens on PORT. False, with a line naming NAME, if the process exits first or does not
# listen within SECONDS (default 20).
wait_for_port() { # name pid port [seconds]
    local name=$1 pid=$2 port=$3 tries=$((${4:-20} * 20))
    for _ in $(seq 1 "$tries"); do
        kill -0 "$pid" 2>/dev/null || { log "$name exited before listening on 127.0.0.1:$port"; return 1; }
        port_in_use "$port" && return 0
        sleep 0.05
    done
    log "$name did not listen on 127.0.0.1:$port within ${4:-20} s"
    return 1
}

# COUNT distinct free loopback ports on one line, never Redis's or memcached's default, held together while they
# are picked so that they differ.
free_ports() { # count
    python3 -c '
import socket, sys
sockets = []
while len(sockets) < int(sys.argv[1]):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    if s.getsockname()[1] in (6379, 11211):
        continue
    sockets.append(s)
print(" ".join(str(s.getsockname()[1]) for s in sockets))
' "$1"
}

# Exits, with a line naming it, if something already listens on one of PORTS.
require_free_ports() { # port...
    local port
    for port in "$@"; do
        if port_in_use "$port"; then
            log "something already listens on 127.0.0.1:$port"
            exit 1
        fi
    done
}

# Sends SIGTERM to each of PIDS (children of this shell), then waits for each to exit; one still running after
# STOP_GRACE_SECONDS (default 10) gets SIGKILL.
stop_processes() { # pid...
    local pid
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 $((${STOP_GRACE_SECONDS:-10} * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
