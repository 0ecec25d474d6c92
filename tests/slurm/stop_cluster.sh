#!/usr/bin/env bash
# Stop the test cluster started by tests/slurm/start_cluster.sh (slurmd, slurmctld, munged), by pid.
set -uo pipefail
STATE="${ENSEMW2S_SLURM_STATE:-/tmp/ensemw2s-slurm}"
for daemon in slurmd slurmctld; do
    pidfile="$STATE/$daemon.pid"
    if [[ -s "$pidfile" ]]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
done
sleep 1
if [[ -s /run/munge/munged.pid ]]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
fi
echo "stop_cluster.sh: stopped"
