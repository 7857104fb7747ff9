#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying `leverage slurm` and for its test.
#
#   scripts/slurm-local.sh start    install slurm-wlm and munge (Debian, apt-get) when absent, write a
#                                   minimal slurm.conf in a scratch folder, start munged (unless one runs),
#                                   slurmctld and slurmd, wait until the node is idle; prints the line
#                                   `export SLURM_CONF=…` for your shell (eval "$(scripts/slurm-local.sh start)")
#   scripts/slurm-local.sh stop     stops the daemons it started (by the pids it recorded), keeps no state
#   scripts/slurm-local.sh status   sinfo and squeue
#
# Needs root (the daemons run as root, munged as user munge). Scratch folder: $SLURM_LOCAL_DIR
# (default /tmp/leverage-slurm-local). Ports: 6817/6818, or the next free pair. CPUs of the node:
# $SLURM_LOCAL_CPUS, at most nproc (default: nproc).
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-/tmp/leverage-slurm-local}"
CONF="$DIR/slurm.conf"
log() { echo "slurm-local: $*" >&2; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return
    fi
    [ "$(id -u)" = 0 ] || { log "slurm-wlm and munge are missing; installing them needs root"; exit 1; }
    log "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >&2
    timeout 900 apt-get install -y -qq slurm-wlm munge >&2
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "munged is already running; using it"
        return
    fi
    [ -s /etc/munge/munge.key ] || { log "creating /etc/munge/munge.key"; /usr/sbin/mungekey --create --force >&2 || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge/munge.key
    chmod 0755 /run/munge
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged >&2
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    munge -n >/dev/null 2>&1 || { log "munged did not start"; exit 1; }
    cp /run/munge/munged.pid "$DIR/munged.pid"   # ours to stop
    log "started munged (pid $(cat "$DIR/munged.pid"))"
}

write_conf() {
    local host cpus ctld=6817
    host="$(hostname -s)"
    cpus="$(nproc)"
    # Never more CPUs than the machine has (slurmd would drain the node).
    if [ -n "${SLURM_LOCAL_CPUS:-}" ] && [ "$SLURM_LOCAL_CPUS" -lt "$cpus" ]; then cpus="$SLURM_LOCAL_CPUS"; fi
    while ! port_free "$ctld" || ! port_free $((ctld + 1)); do ctld=$((ctld + 10)); done
    mkdir -p "$DIR/state" "$DIR/spool"
    cat >"$CONF" <<EOF
# One-node cluster written by scripts/slurm-local.sh
ClusterName=leverage-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld
SlurmdPort=$((ctld + 1))
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SlurmdUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=300
KillWait=5
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 )) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
    [ "$(id -u)" = 0 ] || { log "start needs root"; exit 1; }
    install_packages
    mkdir -p "$DIR"
    if running "$DIR/slurmctld.pid" && running "$DIR/slurmd.pid"; then
        log "already running ($CONF)"
        echo "export SLURM_CONF=$CONF"
        return
    fi
    start_munge
    write_conf
    export SLURM_CONF="$CONF"
    /usr/sbin/slurmctld -f "$CONF" -c >&2
    /usr/sbin/slurmd -f "$CONF" >&2
    for _ in $(seq 150); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then
            log "cluster up: $(sinfo -h -o '%P %D %T %c' | head -1) (SLURM_CONF=$CONF)"
            echo "export SLURM_CONF=$CONF"
            return
        fi
        sleep 0.2
    done
    log "the node did not become idle within 30 s; logs: $DIR/slurmctld.log, $DIR/slurmd.log"
    sinfo >&2 || true
    exit 1
}

stop_pidfile() {
    local file="$1" name="$2" pid
    [ -s "$file" ] || return 0
    pid="$(cat "$file")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        log "stopped $name (pid $pid)"
    fi
    rm -f "$file"
}

stop() {
    if [ -f "$CONF" ] && running "$DIR/slurmctld.pid"; then
        SLURM_CONF="$CONF" scancel --user="$(id -un)" 2>/dev/null || true
    fi
    stop_pidfile "$DIR/slurmd.pid" slurmd
    stop_pidfile "$DIR/slurmctld.pid" slurmctld
    stop_pidfile "$DIR/munged.pid" munged
    rm -rf "$DIR/state" "$DIR/spool"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) SLURM_CONF="$CONF" sinfo; SLURM_CONF="$CONF" squeue ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
