#!/bin/bash
# A one-node Slurm cluster (munged, slurmctld, slurmd in the foreground, no
# systemd, no cgroups, no accounting), started under DIR, with a command run
# in DIR against it; then everything is stopped.
#
#   unshare --pid --fork --mount-proc --net bash slurm_cluster.sh DIR 'srun -l -n 8 ...'
#
# Run it as root inside fresh PID and network namespaces: every daemon and
# any stray slurmstepd ends with it, and Slurm's ports cannot collide with
# another cluster's. The node claims 64 CPUs (SlurmdParameters=
# config_overrides), so one node runs up to 64 tasks of one step.
set -uo pipefail
root=${1:?usage: slurm_cluster.sh DIR COMMAND}
shift
mkdir -p "$root" && chmod 0755 "$root"   # munge's socket directory must be reachable
if [ "$(ip -o link | wc -l)" = 1 ]; then
  # A fresh network namespace: only lo, down. glibc's getaddrinfo with
  # AI_ADDRCONFIG, as Slurm calls it, fails while 127.0.0.1 is the only IPv4
  # address; a second loopback address is enough.
  ip link set lo up
  ip addr add 127.0.0.2/8 dev lo
fi
host=$(hostname -s)
pids=()
stop() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
}
trap stop EXIT
wait_for() {
  local t=$1; shift
  local end=$(($(date +%s%N) + t * 1000000000))
  until eval "$*"; do [ "$(date +%s%N)" -gt $end ] && return 1; sleep 0.05; done
}

mkdir -m 0711 "$root/munge"
mungekey -c -k "$root/munge/munge.key"
munged -F --key-file="$root/munge/munge.key" --socket="$root/munge/sock" --pid-file="$root/munge/pid" \
  --seed-file="$root/munge/seed" --log-file="$root/munge/log" >"$root/munge/out" 2>&1 &
pids+=($!)
wait_for 10 '[ -S "$root/munge/sock" ]' || { echo "slurm_cluster: munged did not start" >&2; cat "$root/munge/out" >&2; exit 90; }

mkdir -p "$root"/{etc,state,spool,log,run}
node=$(slurmd -C | head -1 | sed -e 's/CPUs=[0-9]*/CPUs=64/' -e 's/SocketsPerBoard=[0-9]*/SocketsPerBoard=1/' \
  -e 's/CoresPerSocket=[0-9]*/CoresPerSocket=32/' -e 's/ThreadsPerCore=[0-9]*/ThreadsPerCore=2/')
cat >"$root/etc/slurm.conf" <<CONF
ClusterName=ongpu-e2e
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$root/munge/sock
CredType=cred/munge
StateSaveLocation=$root/state
SlurmdSpoolDir=$root/spool
SlurmctldPidFile=$root/run/slurmctld.pid
SlurmdPidFile=$root/run/slurmd.pid
SlurmctldLogFile=$root/log/slurmctld.log
SlurmdLogFile=$root/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
SlurmdParameters=config_overrides
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$root/etc/slurm.conf
slurmctld -D >"$root/log/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 20 'timeout 2 scontrol ping 2>/dev/null | grep -q UP' ||
  { echo "slurm_cluster: slurmctld did not start" >&2; cat "$root/log/slurmctld.out" >&2; exit 90; }
slurmd -D >"$root/log/slurmd.out" 2>&1 &
pids+=($!)
wait_for 30 '[ "$(timeout 2 sinfo -h -N -o %T)" = idle ]' ||
  { echo "slurm_cluster: the node is not idle" >&2; sinfo -N >&2; cat "$root/log/slurmd.out" >&2; exit 90; }
cd "$root" && bash -c "$*"
