#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, from Debian's packages, for `npm run test:slurm`
# and for trying `lenet sweep ... --submit slurm` by hand.
#
#   scripts/slurm-local.sh start    install slurm-wlm + munge if missing (apt-get, needs root),
#                                   then start munged, slurmctld and slurmd (idempotent)
#   scripts/slurm-local.sh stop     stop the daemons this script started, by their pid files
#   scripts/slurm-local.sh status   which daemons run; exit 0 when the cluster answers
#
# Everything the cluster writes (config, munge key and socket, state, logs, pid files) lives in
# ${LENET_SLURM_DIR:-/tmp/lenet-slurm}; nothing is written to /etc. SLURM's commands find the
# cluster through SLURM_CONF, which `start` and `status` print:
#   export SLURM_CONF=/tmp/lenet-slurm/slurm.conf
# The ports default to 6817/6818 (LENET_SLURM_PORT and LENET_SLURMD_PORT change them).
set -euo pipefail

DIR=${LENET_SLURM_DIR:-/tmp/lenet-slurm}
CONF=$DIR/slurm.conf
MUNGE=$DIR/munge
CTLD_PORT=${LENET_SLURM_PORT:-6817}
SLURMD_PORT=${LENET_SLURMD_PORT:-6818}
NODE=$(hostname -s)
CPUS=$(nproc)

say() { printf 'slurm-local: %s\n' "$*"; }
die() { printf 'slurm-local: %s\n' "$*" >&2; exit 1; }

# A pid file's process, if it is alive and is the daemon we expect (a reused pid is not ours).
running_pid() { # <pidfile> <command name>
  local pid
  [[ -s $1 ]] || return 1
  pid=$(tr -dc '0-9' < "$1")
  [[ -n $pid ]] || return 1
  [[ -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == "$2" ]] || return 1
  echo "$pid"
}

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v mungekey >/dev/null; then
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "slurm-wlm and munge are not installed and installing them needs root (apt-get install -y slurm-wlm munge)"
  say "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt-get (another user of the machine) may hold dpkg's lock: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends slurm-wlm munge >/dev/null \
    || die "apt-get install slurm-wlm munge failed"
}

write_config() {
  mkdir -p "$DIR/state/ctld" "$DIR/state/d" "$DIR/run" "$DIR/log"
  cat > "$CONF" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for tests.
ClusterName=lenet-local
SlurmctldHost=$NODE
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE/munge.socket.2
StateSaveLocation=$DIR/state/ctld
SlurmdSpoolDir=$DIR/state/d
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
# Finished jobs stay visible to scontrol/squeue for 10 minutes (there is no accounting database).
MinJobAge=600
# A cancelled task lets SIGTERM do its work (lenet saves at the next batch) before SIGKILL.
KillWait=30
SchedulerParameters=sched_interval=2
NodeName=$NODE CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  if running_pid "$MUNGE/munged.pid" munged >/dev/null; then return; fi
  mkdir -p "$MUNGE"
  chown munge:munge "$MUNGE"
  chmod 0755 "$MUNGE"   # munged wants the socket's folder searchable by every user
  if [[ ! -s $MUNGE/munge.key ]]; then
    runuser -u munge -- mungekey -c -k "$MUNGE/munge.key"
  fi
  runuser -u munge -- munged --key-file="$MUNGE/munge.key" --socket="$MUNGE/munge.socket.2" \
    --pid-file="$MUNGE/munged.pid" --log-file="$MUNGE/munged.log" --seed-file="$MUNGE/munged.seed"
  wait_for "munged" test -S "$MUNGE/munge.socket.2"
}

wait_for() { # <what> <command...>: up to 20 s
  local what=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not come up (logs in $DIR/log and $MUNGE)"
}

node_idle() { SLURM_CONF=$CONF sinfo -h -n "$NODE" -o %t | grep -Eq '^(idle|mix|alloc)'; }

start() {
  install_packages
  if running_pid "$DIR/run/slurmctld.pid" slurmctld >/dev/null && running_pid "$DIR/run/slurmd.pid" slurmd >/dev/null \
    && running_pid "$MUNGE/munged.pid" munged >/dev/null; then
    say "already running ($DIR)"
    echo "export SLURM_CONF=$CONF"
    return
  fi
  write_config
  start_munge
  if ! running_pid "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
    SLURM_CONF=$CONF slurmctld -f "$CONF"
  fi
  wait_for "slurmctld" env SLURM_CONF="$CONF" scontrol ping
  if ! running_pid "$DIR/run/slurmd.pid" slurmd >/dev/null; then
    SLURM_CONF=$CONF slurmd -f "$CONF"
  fi
  wait_for "slurmd (node $NODE idle)" node_idle
  say "running: node $NODE with $CPUS CPUs, partition local; state and logs in $DIR"
  echo "export SLURM_CONF=$CONF"
}

stop_one() { # <pidfile> <command name>
  local pid
  if pid=$(running_pid "$1" "$2"); then
    kill "$pid"
    for _ in $(seq 1 100); do
      [[ -d /proc/$pid ]] || break
      sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then kill -KILL "$pid"; fi
    say "stopped $2 (pid $pid)"
  fi
  rm -f "$1"
}

stop() {
  stop_one "$DIR/run/slurmd.pid" slurmd
  stop_one "$DIR/run/slurmctld.pid" slurmctld
  stop_one "$MUNGE/munged.pid" munged
}

status() {
  local ok=0 pid
  for d in "slurmctld $DIR/run/slurmctld.pid" "slurmd $DIR/run/slurmd.pid" "munged $MUNGE/munged.pid"; do
    set -- $d
    if pid=$(running_pid "$2" "$1"); then say "$1 running (pid $pid)"; else say "$1 not running"; ok=3; fi
  done
  if [[ $ok -eq 0 ]]; then
    SLURM_CONF=$CONF sinfo
    echo "export SLURM_CONF=$CONF"
  fi
  return $ok
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/slurm-local.sh start|stop|status" ;;
esac
