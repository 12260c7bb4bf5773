#!/usr/bin/env bash
# Bring up a one-node SLURM cluster on this machine for the SLURM tests (tests/test_slurm.py).
#
# Installs Debian's slurm-wlm and munge when missing (and slurmdbd with MariaDB: sacct, which
# submitit asks for the state of a job, needs the accounting database), writes a minimal
# slurm.conf for this host (no cgroups: proctrack/linuxproc, task/none; one node with this
# machine's CPUs and memory; one partition, `debug`), creates the munge key, starts munged,
# MariaDB, slurmdbd, slurmctld and slurmd, and waits until `sinfo` shows the node idle.
#
# Run it as root. When the cluster is already up it does nothing. It never overwrites a
# slurm.conf it did not write. Exit status: 0 the cluster is up; 3 it cannot run here (not
# root, or no SLURM and no apt-get), with the reason on stderr; 1 anything else.
# docs/cluster.md says more.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
DBD_CONF=/etc/slurm/slurmdbd.conf
MARK="# Written by escalation-sim's tests/slurm/start.sh (a one-node test cluster)."
LOGS=/var/log/slurm
STATE=/var/lib/slurm
PARTITION=debug

say() { echo "[slurm] $*" >&2; }
fail() { say "$*"; exit 1; }

is_up() {
  timeout 10 sinfo -h -p "$PARTITION" -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)' &&
    timeout 10 sacct -n -X -S now >/dev/null 2>&1
}

if command -v sinfo >/dev/null 2>&1 && is_up; then
  say "up already: partition $PARTITION, $(sinfo -h -p "$PARTITION" -o '%D node(s) %t, %c CPUs')"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  say "cannot start the test cluster: it needs root (SLURM tests are skipped)"
  exit 3
fi
if [ -e "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
  say "$CONF exists and was not written by this script: left alone, no test cluster"
  exit 3
fi

need=()
for pair in slurmctld:slurm-wlm slurmd:slurm-wlm sinfo:slurm-wlm munged:munge \
  slurmdbd:slurmdbd mariadbd:mariadb-server; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "cannot start the test cluster: ${need[*]} missing and no apt-get (SLURM tests are skipped)"
    exit 3
  fi
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  say "installing ${need[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null
fi

host=$(hostname -s)
mkdir -p /etc/slurm "$LOGS" "$STATE/slurmctld" "$STATE/slurmd" /run/munge
chown slurm:slurm "$LOGS" "$STATE/slurmctld"
chown munge:munge /run/munge

# The node as slurmd sees this machine (CPUs, sockets, cores, memory), reached on 127.0.0.1
# so that the host name need not resolve.
node=$(slurmd -C | head -n 1)
cat >"$CONF.tmp" <<CONF
$MARK
ClusterName=escalation-test
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
SlurmUser=slurm
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No cgroups: processes are tracked through /proc and tasks are not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Seconds between SIGTERM and SIGKILL when a job is cancelled (SLURM's default: 30).
KillWait=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
mv "$CONF.tmp" "$CONF"
cat >"$DBD_CONF" <<CONF
$MARK
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
LogFile=$LOGS/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StorageLoc=slurm_acct_db
CONF
chown slurm:slurm "$DBD_CONF"
chmod 600 "$DBD_CONF"

# munge: a key (the package usually creates one), then the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi

# MariaDB for slurmdbd: the database user is the slurm account, authenticated by its socket.
if ! mariadb-admin ping >/dev/null 2>&1; then
  /etc/init.d/mariadb start >/dev/null
fi
mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED VIA unix_socket;
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running /run/slurmdbd.pid || slurmdbd
for _ in $(seq 30); do
  sacctmgr -n show cluster >/dev/null 2>&1 && break
  sleep 1
done
running /run/slurmctld.pid || slurmctld
running /run/slurmd.pid || slurmd

for _ in $(seq 60); do
  if is_up; then
    say "up: partition $PARTITION, $(sinfo -h -p "$PARTITION" -o '%D node(s) %t, %c CPUs')"
    exit 0
  fi
  if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(down|drain)'; then
    scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
  fi
  sleep 1
done
fail "the node did not come up: see $LOGS/slurmctld.log and $LOGS/slurmd.log"
