#!/usr/bin/env bash
# A one-node SLURM on localhost for tests and developers (Debian packages `slurm-wlm` and `munge`):
# munged, slurmctld and slurmd run as root, two partitions (`cpu`, default, and `gpu`), and one
# GPU gres backed by /dev/null so that `--gpus=1` jobs are scheduled on a machine without a GPU.
# Accounting is off (`slurm-status-command: squeue`), so finished jobs stay visible to squeue and
# `scontrol show job` for MinJobAge seconds.
#
#   sudo tests/slurm/start_cluster.sh [--install]    # --install: apt-get install slurm-wlm munge first
#   sudo tests/slurm/stop_cluster.sh
#
# Writes /etc/slurm/{slurm,gres}.conf (the commands' default location); state and logs go to
# $ENSEMW2S_SLURM_STATE (default /tmp/ensemw2s-slurm).  Idempotent: a running cluster is left alone.
set -euo pipefail

STATE="${ENSEMW2S_SLURM_STATE:-/tmp/ensemw2s-slurm}"
CONF_DIR=/etc/slurm

if [[ "${1:-}" == "--install" ]]; then
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge
    fi
fi
for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { echo "start_cluster.sh: $tool not found (apt-get install slurm-wlm munge, or pass --install)" >&2; exit 1; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "start_cluster.sh: must run as root (slurmctld and slurmd run as root here)" >&2
    exit 1
fi

if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "start_cluster.sh: a cluster is already up"; sinfo; exit 0
fi

HOST=$(hostname -s)
CPUS=$(nproc)
# RealMemory must not exceed what slurmd sees, or the node is drained: take 3/4 of the free memory.
AVAILABLE_MB=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
MEMORY_MB=$(( AVAILABLE_MB * 3 / 4 ))

mkdir -p "$STATE/ctld" "$STATE/d" "$CONF_DIR"

# ---------------------------------------------------------------------------------------- munge
if ! pgrep -x munged >/dev/null; then
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
fi

# ----------------------------------------------------------------------------------------- slurm
cat > "$CONF_DIR/slurm.conf" <<CONF
# Written by tests/slurm/start_cluster.sh: a one-node test cluster on $HOST.
ClusterName=ensemw2s
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
MinJobAge=86400
ReturnToService=2
KillWait=30
SlurmdTimeout=300
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEMORY_MB Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST MaxTime=INFINITE State=UP
CONF
cat > "$CONF_DIR/gres.conf" <<CONF
AutoDetect=off
NodeName=$HOST Name=gpu File=/dev/null
CONF

slurmctld -c   # -c: clean start (no saved jobs from an earlier cluster)
slurmd

for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        sinfo
        exit 0
    fi
    sleep 1
done
echo "start_cluster.sh: the node did not come up; see $STATE/slurmctld.log and $STATE/slurmd.log" >&2
sinfo -R >&2 || true
exit 1
