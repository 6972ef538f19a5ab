# Shared by scripts/callgrind.sh and scripts/syscalls.sh (sourced, not run).

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_ping PORT [TRIES]: until the server on PORT answers PONG, 0.1 s
# apart (default 600 tries); fails with a message otherwise.
wait_ping() {
    local port=$1 tries=${2:-600}
    for _ in $(seq 1 "$tries"); do
        if [ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ]; then return 0; fi
        sleep 0.1
    done
    echo "$(basename "$0"): server on port $port did not answer" >&2
    return 1
}
