#!/bin/bash
# A one-node Slurm cluster (munged, slurmctld, slurmd: Debian's 22.05) for
# tests/fleet/test_slurm.py, run as the first process of fresh namespaces:
#
#   unshare --pid --fork --kill-child --mount-proc --net --uts bash slurm_cluster.sh RUN
#
# The PID namespace ends every process of the cluster, a job's slurmstepd
# included, when this script ends; the network namespace has its own
# loopback, so Slurm's default ports never meet another test's; the UTS
# namespace names the node. RUN is an empty directory, mode 0755 down from /
# (munged refuses a socket directory others cannot reach, and jobs run as
# nobody), where everything is written. No systemd, no cgroups, no
# accounting.
#
# Environment:
#   NODE          node name and hostname (gpu1)
#   GPUS          how many GPUs gres.conf lists: /dev/nvidiaN character devices
#                 made with mknod under RUN (Slurm only stat()s them) (2)
#   HC_PROGRAM, HC_INTERVAL, HC_NODE_STATE, PROLOG   the slurm.conf keys
#   ETC_DEFAULT   a directory bind-mounted over /etc/default in this mount
#                 namespace only, so the scripts read their real settings path
#
# It prints "ready" once the node is idle, then waits for "stop" or the end
# of its input, stops everything in order and prints what it did:
# "stopped NAME MS", "killed NAME" (SIGTERM was not enough), "left PID
# COMMAND" for any other process still in the namespace, then "finished".
set -u
run=${1:?usage: slurm_cluster.sh RUN}
NODE=${NODE:-gpu1}
GPUS=${GPUS:-2}
HC_INTERVAL=${HC_INTERVAL:-2}
HC_NODE_STATE=${HC_NODE_STATE:-IDLE}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export SLURM_CONF=$run/etc/slurm.conf

fail() { echo "error: $*"; exit 1; }
# until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds.
until_ok() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
}

[ "$(id -u)" = 0 ] || fail "must run as root"
[ "$$" = 1 ] || fail "must be the first process of a new PID namespace (unshare --pid --fork --mount-proc)"

# A fresh network namespace has only lo, down. glibc's getaddrinfo with
# AI_ADDRCONFIG, which Slurm uses, finds no IPv4 address while 127.0.0.1 is
# the only one, so a second loopback address is added.
ip link set lo up || fail "ip link set lo up"
ip addr add 127.0.0.2/8 dev lo || fail "ip addr add"
hostname "$NODE" || fail "hostname"
if [ -n "${ETC_DEFAULT:-}" ]; then
  mount --bind "$ETC_DEFAULT" /etc/default || fail "mount --bind $ETC_DEFAULT /etc/default"
fi

mkdir -p "$run"/{etc,state,spool,log,run,dev} || fail "mkdir"
mkdir -m 0711 "$run/munge" || fail "mkdir munge"
gres_files=""
for ((i = 0; i < GPUS; i++)); do
  mknod -m 0666 "$run/dev/nvidia$i" c 195 "$i" || fail "mknod"  # the major and minors of /dev/nvidiaN
  gres_files+="NodeName=$NODE Name=gpu File=$run/dev/nvidia$i"$'\n'
done
printf 'AutoDetect=off\n%s' "$gres_files" >"$run/etc/gres.conf"

hardware=$(slurmd -C | head -n 1) || fail "slurmd -C"
cat >"$run/etc/slurm.conf" <<EOF
ClusterName=ongpu-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$run/munge/socket
StateSaveLocation=$run/state
SlurmdSpoolDir=$run/spool
SlurmctldPidFile=$run/run/slurmctld.pid
SlurmdPidFile=$run/run/slurmd.pid
SlurmctldLogFile=$run/log/slurmctld.log
SlurmdLogFile=$run/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
GresTypes=gpu
HealthCheckProgram=${HC_PROGRAM:-}
HealthCheckInterval=$HC_INTERVAL
HealthCheckNodeState=$HC_NODE_STATE
Prolog=${PROLOG:-}
$hardware NodeAddr=127.0.0.1 Gres=gpu:$GPUS State=UNKNOWN
PartitionName=gpu Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

pids=() names=()
start() {  # start NAME COMMAND...: in the background, output in RUN/log/NAME.out
  local name=$1; shift
  "$@" >"$run/log/$name.out" 2>&1 &
  pids+=("$!") names+=("$name")
}

mungekey --create --keyfile="$run/munge/munge.key" || fail "mungekey"
start munged munged --foreground --key-file="$run/munge/munge.key" --socket="$run/munge/socket" \
  --pid-file="$run/munge/munged.pid" --seed-file="$run/munge/seed" --log-file="$run/log/munged.log"
until_ok 10 test -S "$run/munge/socket" || fail "munged did not start: $(tail -n 3 "$run/log/munged.out")"

start slurmctld slurmctld -D
ping_up() { timeout 5 scontrol ping 2>/dev/null | grep -q UP; }
until_ok 20 ping_up || fail "slurmctld did not start: $(tail -n 3 "$run/log/slurmctld.log")"
start slurmd slurmd -D
node_idle() { [ "$(timeout 5 sinfo --noheader --Node --format=%T 2>/dev/null)" = idle ]; }
until_ok 20 node_idle || fail "the node is not idle: $(timeout 5 sinfo --noheader --Node --format='%T %E')"
echo ready

alive() { [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone() { ! alive "$1"; }
stop_one() {  # stop_one INDEX: SIGTERM, and SIGKILL after 15 s
  local t0
  t0=$(date +%s%N)
  kill -TERM "${pids[$1]}" 2>/dev/null
  if ! until_ok 15 gone "${pids[$1]}"; then
    kill -KILL "${pids[$1]}" 2>/dev/null
    echo "killed ${names[$1]}"
  fi
  wait "${pids[$1]}" 2>/dev/null
  echo "stopped ${names[$1]} $((($(date +%s%N) - t0) / 1000000))"
}

while read -r line && [ "$line" != stop ]; do
  echo "error: unknown command $line"
done

# Teardown: jobs first (a job's slurmstepd outlives slurmd), then slurmd,
# slurmctld, munged, each with SIGTERM and, after 15 s, SIGKILL.
mapfile -t jobs < <(timeout 5 squeue --noheader --format=%i 2>/dev/null)
if [ "${#jobs[@]}" -gt 0 ]; then
  # SIGKILL to every process of a running job (scancel alone waits KillWait
  # between SIGTERM and SIGKILL), then cancel them all, pending ones included.
  timeout 10 scancel --full --signal=KILL --state=RUNNING "${jobs[@]}" 2>/dev/null
  timeout 10 scancel "${jobs[@]}" 2>/dev/null
fi
no_jobs() { [ -z "$(timeout 5 squeue --noheader 2>/dev/null)" ]; }
until_ok 15 no_jobs || echo "jobs left: $(timeout 5 squeue --noheader)"
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
  stop_one "$i"
done
# Anything else still here (a slurmstepd, a job's process) is reported; the
# kernel ends it with this namespace.
for dir in /proc/[0-9]*; do  # builtins only: no process of this script's own is listed
  pid=${dir#/proc/}
  [ "$pid" = 1 ] && continue
  comm="?"
  read -r comm <"$dir/comm" 2>/dev/null
  echo "left $pid $comm"
done
echo finished
