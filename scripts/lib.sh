# Shared by the scripts in this directory (sourced, not run).

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

# cpu_ns PID: ns on CPU, summed over all threads of a process.
cpu_ns() {
    local f sum=0 ns _
    for f in /proc/"$1"/task/*/schedstat; do
        read -r ns _ 2>/dev/null <"$f" || continue
        sum=$((sum + ns))
    done
    echo "$sum"
}

# median: the median of the numbers on stdin, one per line (the mean of
# the middle two for an even count; nan for none).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# fill_for TEST: the redis-benchmark test that gives TEST data to read or
# pop (empty for writes).
fill_for() {
    case $1 in
        get | evalsha) echo set ;;
        lrange* | lpop | rpop) echo lpush ;;
        spop) echo sadd ;;
        zpopmin) echo zadd ;;
    esac
}

# start_server BIN PORT DIR: starts BIN (a cinnabar-server binary, or the
# word redis for redis-server) on 127.0.0.1:PORT without persistence, its
# log in DIR/log, and waits for its PONG. The PID is in SERVER_PID from
# the start, so a caller's exit trap can stop a server that never answers.
start_server() {
    local bin=$1 port=$2 dir=$3
    if [ "$bin" = redis ]; then
        redis-server --port "$port" --bind 127.0.0.1 --save '' \
            --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
    else
        "$bin" --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly no >"$dir/log" 2>&1 &
    fi
    SERVER_PID=$!
    wait_ping "$port"
}
