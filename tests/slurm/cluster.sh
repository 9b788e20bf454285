#!/usr/bin/env bash
# Single-node SLURM cluster on localhost, with job accounting, for the
# integration tests (sbatch / squeue / sacct / sacctmgr all work).
#
# Usage: tests/slurm/cluster.sh {install|start|stop|restart|status|env|clean}
#
#   install  apt-get the Debian packages (slurm 22.05, munge, mariadb); no-op
#            when they are already installed.
#   start    write configs into the state directory and start mariadb, munge,
#            slurmdbd, slurmctld and slurmd; returns once the node is idle and
#            the accounting database answers. Any daemons of a previous start
#            are stopped first, so running it twice is safe.
#   stop     cancel remaining jobs and stop every daemon started by `start`
#            (by the PIDs in their pid files); safe when nothing runs.
#   restart  stop, then start.
#   status   show which daemons run and the sinfo view; exit 0 only when all
#            daemons run.
#   env      print `export SLURM_CONF=...` for shells that cannot rely on the
#            /etc/slurm/slurm.conf link (see below).
#   clean    stop, then delete the state directory (database included).
#
# Environment (all optional):
#   SLURM_TEST_DIR        state directory      [/tmp/rnn-ensembles-slurm]
#   SLURM_TEST_CLUSTER    cluster name         [rnnens]
#   SLURM_TEST_PARTITION  partition name       [main]
#   SLURM_TEST_ACCOUNT    default account      [rnnens]
#   SLURM_TEST_TIMEOUT    seconds to wait for each daemon [60]
#   SLURM_TEST_CTLD_PORT / SLURM_TEST_SLURMD_PORT / SLURM_TEST_DBD_PORT
#                         TCP ports on 127.0.0.1 [6817 / 6818 / 6819]
#
# State directory layout:
#   etc/   slurm.conf, slurmdbd.conf (mode 600), mariadb.cnf
#   run/   pid files and the mariadb socket
#   log/   slurmctld.log slurmd.log slurmdbd.log mariadb.log, plus <daemon>.out
#          (start-up output); munged keeps Debian's /var/log/munge/munged.log
#   spool/ slurmctld state (ctld/) and slurmd spool (d/)
#   mysql/ mariadb data directory (kept across stop/start; `clean` drops it)
#
# Batch job output goes where sbatch puts it (slurm-<jobid>.out in the
# submission directory unless --output is given), not into the state dir.
#
# Client commands find the config through /etc/slurm/slurm.conf, which
# `start` makes a symlink to etc/slurm.conf (only if that path is absent or
# already a symlink, a real file there is never touched; then use `env`).
set -euo pipefail

STATE_DIR=${SLURM_TEST_DIR:-/tmp/rnn-ensembles-slurm}
CLUSTER=${SLURM_TEST_CLUSTER:-rnnens}
PARTITION=${SLURM_TEST_PARTITION:-main}
ACCOUNT=${SLURM_TEST_ACCOUNT:-rnnens}
TIMEOUT=${SLURM_TEST_TIMEOUT:-60}
CTLD_PORT=${SLURM_TEST_CTLD_PORT:-6817}
SLURMD_PORT=${SLURM_TEST_SLURMD_PORT:-6818}
DBD_PORT=${SLURM_TEST_DBD_PORT:-6819}

ETC=$STATE_DIR/etc
RUN=$STATE_DIR/run
LOG=$STATE_DIR/log
SPOOL=$STATE_DIR/spool
DBDATA=$STATE_DIR/mysql
SLURM_CONF_FILE=$ETC/slurm.conf
DBD_CONF_FILE=$ETC/slurmdbd.conf
MARIADB_CNF=$ETC/mariadb.cnf
MARIADB_SOCK=$RUN/mysqld.sock
SYSTEM_SLURM_CONF=/etc/slurm/slurm.conf
# munged keeps Debian's default socket, which every slurm binary uses
# without extra configuration; only its pid file location is ours.
MUNGE_PIDFILE=/run/munge/munged.pid
# Present when munged was started by this script (so `stop` may stop it);
# a munged that was already running is reused and left alone.
MUNGE_MARKER=$RUN/munged.ours

PACKAGES=(slurmctld slurmd slurmdbd slurm-client munge mariadb-server)
# The daemons live in sbin, which is not on every PATH.
export PATH=$PATH:/usr/sbin:/sbin
NODE=$(hostname -s)

# Daemons (and the client tools we call) read the config from here; slurmdbd
# also looks for slurmdbd.conf in the directory of $SLURM_CONF.
export SLURM_CONF=$SLURM_CONF_FILE
# MariaDB's client library connects to this socket for host "localhost";
# slurmdbd has no option for the socket path.
export MYSQL_UNIX_PORT=$MARIADB_SOCK

log() { printf '[slurm-test] %s\n' "$*"; }
die() { printf '[slurm-test] ERROR: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log file to stderr (for failure reports).
log_tail() {
    local f=$1
    if [[ -s $f ]]; then
        printf -- '----- last lines of %s -----\n' "$f" >&2
        tail -n 30 "$f" >&2
        printf -- '-----\n' >&2
    else
        printf -- '(no log at %s)\n' "$f" >&2
    fi
}

fail_with_log() {
    local msg=$1
    shift
    printf '[slurm-test] ERROR: %s\n' "$msg" >&2
    local f
    for f in "$@"; do log_tail "$f"; done
    exit 1
}

# PID from a pid file if that process is alive, else nothing (status 1).
live_pid() {
    local pidfile=$1 pid
    [[ -r $pidfile ]] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# stop_pidfiles NAME=PIDFILE...: SIGTERM every listed process at once, wait
# for all of them (SIGKILL after 15 s), remove the pid files. Never fails.
# Each daemon takes 1-2 s to exit, so stopping a group together saves time.
stop_pidfiles() {
    local spec name pidfile pid i alive
    local -a pids=()
    for spec in "$@"; do
        name=${spec%%=*}
        pidfile=${spec#*=}
        if pid=$(live_pid "$pidfile"); then
            log "stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    for ((i = 0; i < 150 && ${#pids[@]} > 0; i++)); do
        alive=()
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
        done
        pids=(${alive[@]+"${alive[@]}"})
        if ((${#pids[@]} > 0)); then sleep 0.1; fi
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        log "pid $pid did not exit after SIGTERM, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    done
    if ((${#pids[@]} > 0)); then sleep 0.5; fi
    for spec in "$@"; do rm -f "${spec#*=}"; done
}

# wait_for DESCRIPTION COMMAND...: poll COMMAND until it succeeds, at most
# $TIMEOUT seconds. Status 1 on timeout.
wait_for() {
    local what=$1 deadline
    shift
    deadline=$((SECONDS + TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            printf '[slurm-test] timed out after %ss waiting for %s\n' "$TIMEOUT" "$what" >&2
            return 1
        fi
        sleep 0.2
    done
}

# wait_for_daemon NAME PIDFILE COMMAND...: like wait_for, but gives up as
# soon as the daemon has exited (its pid file is stale, or still missing
# after 10 s), instead of waiting out the timeout.
wait_for_daemon() {
    local name=$1 pidfile=$2 deadline started=$SECONDS
    shift 2
    deadline=$((SECONDS + TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if { [[ -e $pidfile ]] && ! live_pid "$pidfile" >/dev/null; } ||
            { [[ ! -e $pidfile ]] && ((SECONDS - started >= 10)); }; then
            printf '[slurm-test] %s exited during start-up\n' "$name" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            printf '[slurm-test] timed out after %ss waiting for %s\n' "$TIMEOUT" "$name" >&2
            return 1
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------- install

cmd_install() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "packages already installed"
        return 0
    fi
    [[ $(id -u) == 0 ]] || die "install needs root (apt-get)"
    log "installing ${missing[*]}"
    local aptlog
    aptlog=$(mktemp)
    if ! { apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1; then
        fail_with_log "apt-get failed" "$aptlog"
    fi
    rm -f "$aptlog"
    log "packages installed"
}

# ---------------------------------------------------------------- configs

write_configs() {
    local cpus mem_kb real_mem
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    # Leave 1 GB for the OS and the daemons, as a real node would; slurmd
    # drains a node that reports less memory than configured.
    real_mem=$((mem_kb / 1024 - 1024))
    ((real_mem >= 512)) || real_mem=$((mem_kb / 1024 / 2))

    # NoInAddrAny makes slurmd (and srun) bind to the address the hostname
    # resolves to instead of 0.0.0.0; only used when that is loopback, so a
    # host whose name does not resolve still works. slurmctld and slurmdbd
    # always bind 0.0.0.0 in slurm 22.05 (no option for it).
    local COMM_PARAMS="#CommunicationParameters=NoInAddrAny (hostname not on loopback)"
    if getent ahostsv4 "$NODE" 2>/dev/null | awk '$1 ~ /^127\./ {ok = 1} END {exit !ok}'; then
        COMM_PARAMS="# Bind slurmd/srun to the (loopback) address of $NODE, not 0.0.0.0.
CommunicationParameters=NoInAddrAny"
    fi

    cat >"$SLURM_CONF_FILE" <<EOF
# Generated by tests/slurm/cluster.sh; rewritten on every start.
ClusterName=$CLUSTER
# The name must be the short hostname (slurmctld checks it); the address in
# parentheses keeps all traffic on loopback.
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
$COMM_PARAMS
# Everything runs as root in the test environment; a dedicated slurm user
# would only add ownership bookkeeping for the state directory.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true

StateSaveLocation=$SPOOL/ctld
SlurmdSpoolDir=$SPOOL/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroup hierarchy is available in containers: track job processes via
# /proc and bind tasks with sched_setaffinity only.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
# Consumable cores and memory, so --cpus-per-task / --mem are honoured and
# several small jobs share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Jobs without --mem get 1 GB per CPU instead of the whole node.
DefMemPerCPU=1024
SchedulerType=sched/backfill
# Reject requests the node can never satisfy (e.g. more CPUs than it has) at
# submission time instead of leaving them pending forever.
EnforcePartLimits=ALL
# Bring the node back to service after a restart without manual resume.
ReturnToService=2
# Short timers keep test runs fast.
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
# Completed jobs stay visible to squeue for 5 minutes (sacct keeps them).
MinJobAge=300

# Real accounting through slurmdbd: sacct (used by Snakemake's slurm
# executor to poll job states) needs it.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
# AccountingStorageEnforce is left unset: jobs are still accounted (under
# the user's default account) but an unknown --account does not fail them.

NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 644 "$SLURM_CONF_FILE"

    cat >"$DBD_CONF_FILE" <<EOF
# Generated by tests/slurm/cluster.sh; rewritten on every start.
AuthType=auth/munge
DbdHost=$NODE
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
DebugLevel=info
StorageType=accounting_storage/mysql
# "localhost" makes the MariaDB client use the unix socket (MYSQL_UNIX_PORT);
# the server has no TCP listener at all.
StorageHost=localhost
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
EOF
    # slurmdbd refuses a config readable by others (it holds the password).
    chmod 600 "$DBD_CONF_FILE"

    cat >"$MARIADB_CNF" <<EOF
# Generated by tests/slurm/cluster.sh; a private instance for slurmdbd.
[mysqld]
user=mysql
datadir=$DBDATA
socket=$MARIADB_SOCK
pid-file=$RUN/mysqld.pid
log-error=$LOG/mariadb.log
# Unix socket only: nothing listens on any network address.
skip-networking
skip-name-resolve
# The smallest values slurmdbd accepts without logging an error about
# "not recommended" settings; the buffer pool is only touched as it fills.
innodb_buffer_pool_size=512M
innodb_log_file_size=64M
innodb_lock_wait_timeout=900
EOF
    chmod 644 "$MARIADB_CNF"
}

link_system_conf() {
    if [[ -L $SYSTEM_SLURM_CONF || ! -e $SYSTEM_SLURM_CONF ]]; then
        mkdir -p "$(dirname "$SYSTEM_SLURM_CONF")"
        ln -sfn "$SLURM_CONF_FILE" "$SYSTEM_SLURM_CONF"
    else
        log "note: $SYSTEM_SLURM_CONF is a regular file and was left alone;"
        log "      run: eval \"\$($0 env)\" before using slurm commands"
    fi
}

unlink_system_conf() {
    if [[ -L $SYSTEM_SLURM_CONF && $(readlink "$SYSTEM_SLURM_CONF") == "$SLURM_CONF_FILE" ]]; then
        rm -f "$SYSTEM_SLURM_CONF"
    fi
}

# ---------------------------------------------------------------- daemons

mariadb_sql() {
    mariadb --no-defaults --socket="$MARIADB_SOCK" -uroot --batch --skip-column-names "$@"
}

start_mariadb() {
    mkdir -p "$DBDATA"
    chown mysql:mysql "$DBDATA"
    if [[ ! -d $DBDATA/mysql ]]; then
        log "initialising mariadb data directory"
        # root@localhost authenticates through the unix socket (we are root).
        mariadb-install-db --defaults-file="$MARIADB_CNF" --skip-test-db \
            --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1 ||
            fail_with_log "mariadb-install-db failed" "$LOG/mariadb-install.log"
    fi
    log "starting mariadb"
    setsid mariadbd --defaults-file="$MARIADB_CNF" </dev/null >>"$LOG/mariadb.log" 2>&1 &
    wait_for_daemon mariadb "$RUN/mysqld.pid" mariadb-admin --no-defaults --socket="$MARIADB_SOCK" -uroot ping ||
        fail_with_log "mariadb did not come up" "$LOG/mariadb.log"
    # A fresh password on every start, so nothing secret persists between runs.
    mariadb_sql -e "
        CREATE DATABASE IF NOT EXISTS slurm_acct_db;
        CREATE USER IF NOT EXISTS 'slurm'@'localhost';
        ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
        FLUSH PRIVILEGES;" ||
        fail_with_log "could not create the slurm database user" "$LOG/mariadb.log"
}

munge_works() { munge -n </dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if live_pid "$MUNGE_PIDFILE" >/dev/null && munge_works; then
        log "munged already running, reusing it"
        return 0
    fi
    [[ -r /etc/munge/munge.key ]] || die "/etc/munge/munge.key missing (run: $0 install)"
    # /run is a tmpfs on many machines: recreate munged's runtime dirs.
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
    rm -f "$MUNGE_PIDFILE" /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    log "starting munged"
    runuser -u munge -- munged --pid-file="$MUNGE_PIDFILE" >"$LOG/munged.out" 2>&1 ||
        fail_with_log "munged failed to start" "$LOG/munged.out" /var/log/munge/munged.log
    : >"$MUNGE_MARKER"
    wait_for "munged" munge_works ||
        fail_with_log "munge credentials do not work" /var/log/munge/munged.log
}

sacctmgr_ok() { sacctmgr -n list cluster format=cluster >/dev/null 2>&1; }

start_slurmdbd() {
    log "starting slurmdbd"
    slurmdbd >"$LOG/slurmdbd.out" 2>&1 ||
        fail_with_log "slurmdbd failed to start" "$LOG/slurmdbd.out" "$LOG/slurmdbd.log"
    wait_for_daemon slurmdbd "$RUN/slurmdbd.pid" sacctmgr_ok ||
        fail_with_log "slurmdbd does not answer" "$LOG/slurmdbd.log" "$LOG/mariadb.log"
}

# Cluster, account and root's association, so jobs are accounted and the
# Snakemake plugin's account validation (sacctmgr list user) finds one.
setup_accounting() {
    if [[ -z $(sacctmgr -nP list cluster "$CLUSTER" format=cluster) ]]; then
        sacctmgr -i add cluster "$CLUSTER" >/dev/null
    fi
    if [[ -z $(sacctmgr -nP list account "$ACCOUNT" format=account) ]]; then
        sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" \
            description="integration tests" organization="tests" >/dev/null
    fi
    if [[ -z $(sacctmgr -nP list assoc cluster="$CLUSTER" account="$ACCOUNT" user=root format=user) ]]; then
        sacctmgr -i add user root account="$ACCOUNT" cluster="$CLUSTER" >/dev/null
    fi
    sacctmgr -i modify user root set defaultaccount="$ACCOUNT" >/dev/null 2>&1 || true
    [[ $(sacctmgr -nP list user root format=defaultaccount) == "$ACCOUNT" ]] ||
        fail_with_log "could not make '$ACCOUNT' root's default account" "$LOG/slurmdbd.log"
}

node_idle() {
    local state
    state=$(sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null) || return 1
    [[ $state == idle ]]
}

start_slurm() {
    log "starting slurmctld"
    slurmctld >"$LOG/slurmctld.out" 2>&1 ||
        fail_with_log "slurmctld failed to start" "$LOG/slurmctld.out" "$LOG/slurmctld.log"
    wait_for_daemon slurmctld "$RUN/slurmctld.pid" scontrol ping ||
        fail_with_log "slurmctld does not answer" "$LOG/slurmctld.log"
    log "starting slurmd"
    slurmd -N "$NODE" >"$LOG/slurmd.out" 2>&1 ||
        fail_with_log "slurmd failed to start" "$LOG/slurmd.out" "$LOG/slurmd.log"
    wait_for_daemon slurmd "$RUN/slurmd.pid" node_idle || {
        sinfo -N -l >&2 || true
        fail_with_log "node $NODE is not idle" "$LOG/slurmd.log" "$LOG/slurmctld.log"
    }
}

any_running() {
    local f
    for f in "$RUN"/slurmd.pid "$RUN"/slurmctld.pid "$RUN"/slurmdbd.pid "$RUN"/mysqld.pid; do
        live_pid "$f" >/dev/null && return 0
    done
    [[ -e $MUNGE_MARKER ]] && live_pid "$MUNGE_PIDFILE" >/dev/null && return 0
    return 1
}

start_failed() {
    trap - EXIT
    if (($1 != 0)); then
        log "start failed; stopping the daemons that did start (logs in $LOG)" >&2
        cmd_stop >&2 || true
    fi
    exit "$1"
}

cmd_start() {
    [[ $(id -u) == 0 ]] || die "start needs root"
    local t0=$SECONDS p
    for p in slurmctld slurmd slurmdbd munged mariadbd sinfo sacctmgr; do
        command -v "$p" >/dev/null || die "$p not found (run: $0 install)"
    done
    if any_running; then
        log "daemons of a previous start are running; stopping them first"
        cmd_stop
    fi
    # A failed start leaves nothing running (its logs stay in $LOG).
    trap 'start_failed $?' EXIT
    mkdir -p "$ETC" "$RUN" "$LOG" "$SPOOL/ctld" "$SPOOL/d"
    # Nothing of ours runs now: pid files left by a crash are stale.
    rm -f "$RUN"/*.pid
    chmod 755 "$STATE_DIR" "$ETC" "$LOG" "$SPOOL"
    # mariadbd (user mysql) creates its socket and pid file here.
    chown mysql:mysql "$RUN"
    chmod 755 "$RUN"
    DB_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    write_configs
    link_system_conf

    start_mariadb
    start_munge
    start_slurmdbd
    setup_accounting
    start_slurm
    trap - EXIT
    log "cluster '$CLUSTER' up in $((SECONDS - t0))s: node $NODE idle," \
        "partition '$PARTITION', account '$ACCOUNT', state in $STATE_DIR"
}

# unfinished_jobs IDS SACCT_LINES: true when one of the newline-separated job
# ids is missing from the "JobIdRaw|State" lines or not yet in a final state.
unfinished_jobs() {
    local id state
    while read -r id; do
        [[ -n $id ]] || continue
        state=$(awk -F'|' -v id="$id" '$1 == id {print $2}' <<<"$2")
        case $state in
            "" | PENDING | RUNNING | COMPLETING | REQUEUED | SUSPENDED) return 0 ;;
        esac
    done <<<"$1"
    return 1
}

cmd_stop() {
    if live_pid "$RUN/slurmctld.pid" >/dev/null; then
        local jobs i
        # Cancel what is still queued or running so no job steps outlive
        # slurmd, and wait (at most 10 s) until they are gone.
        jobs=$(squeue -h -o '%A' 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            log "cancelling jobs: ${jobs//$'\n'/ }"
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                [[ -z $(squeue -h -t running,completing -o '%A' 2>/dev/null || true) ]] && break
                sleep 0.2
            done
        fi
        # slurmctld sends job start records (with the eligible time that
        # time-window queries such as `sacct -S ... -E now` select on) in
        # batches every few seconds, and its attempt while shutting down
        # tends to fail; records not sent are only delivered after the next
        # start. So wait (at most 15 s) until every job slurmctld still knows
        # is listed with a final state, the way Snakemake's executor queries.
        jobs=$(squeue -h -t all -o '%A' 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            local states
            for ((i = 0; i < 75; i++)); do
                states=$(sacct -X -n -P -o JobIdRaw,State -S now-2days -E now 2>/dev/null || true)
                if ! unfinished_jobs "$jobs" "$states"; then break; fi
                sleep 0.2
            done
        fi
    fi
    # slurmctld still talks to slurmdbd while exiting, and
    # slurmdbd needs munge and mariadb, hence three groups.
    stop_pidfiles slurmd="$RUN/slurmd.pid" slurmctld="$RUN/slurmctld.pid"
    stop_pidfiles slurmdbd="$RUN/slurmdbd.pid"
    if [[ -e $MUNGE_MARKER ]]; then
        stop_pidfiles mariadb="$RUN/mysqld.pid" munged="$MUNGE_PIDFILE"
        rm -f "$MUNGE_MARKER"
    else
        stop_pidfiles mariadb="$RUN/mysqld.pid"
    fi
    # The Debian packages' own pid files: stale ones confuse the init scripts
    # run by later package operations. Only removed when nothing owns them.
    local f
    for f in /run/slurmctld.pid /run/slurmd.pid /run/slurmdbd.pid; do
        if [[ -e $f ]] && ! live_pid "$f" >/dev/null; then rm -f "$f"; fi
    done
    unlink_system_conf
    log "stopped"
}

cmd_status() {
    local ok=0 name pidfile pid
    for name in mariadb munged slurmdbd slurmctld slurmd; do
        case $name in
            mariadb) pidfile=$RUN/mysqld.pid ;;
            munged) pidfile=$MUNGE_PIDFILE ;;
            *) pidfile=$RUN/$name.pid ;;
        esac
        if pid=$(live_pid "$pidfile"); then
            printf '%-10s running (pid %s)\n' "$name" "$pid"
        else
            printf '%-10s stopped\n' "$name"
            ok=1
        fi
    done
    if ((ok == 0)); then
        sinfo -N -o '%N %P %t %c %m' || ok=1
    fi
    return $ok
}

cmd_env() {
    printf 'export SLURM_CONF=%q\n' "$SLURM_CONF_FILE"
}

cmd_clean() {
    cmd_stop
    log "removing $STATE_DIR"
    rm -rf "$STATE_DIR"
}

main() {
    case ${1:-} in
        install) cmd_install ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart)
            cmd_stop
            cmd_start
            ;;
        status) cmd_status ;;
        env) cmd_env ;;
        clean) cmd_clean ;;
        *)
            echo "usage: $0 {install|start|stop|restart|status|env|clean}" >&2
            exit 2
            ;;
    esac
}

main "$@"
