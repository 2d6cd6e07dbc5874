#!/usr/bin/env bash
# `physr fit` as one search across MPI ranks (mpirun): the same front as one process at 1, 2
# and 3 ranks (3: an uneven split of the fits) and as the binary run without mpirun; the result
# file records the ranks; ranks given different data or options refuse to start; data from
# standard input is refused; SIGINT to mpirun stops every rank after an epoch with the result
# written, and the run resumes from its checkpoint with another number of ranks; ranks whose
# mpirun was killed stop after an epoch with the result written; a rank killed
# with SIGKILL, or stopped with SIGSTOP, ends the job with a non-zero status within a bounded
# time (the stopped one with rank 0's message).
# Every mpirun is bounded by `timeout`, so a hang fails the test rather than stalling it.
# Usage: mpi_test.sh PATH/TO/physr PATH/TO/datasets MPIEXEC
set -uo pipefail

physr="${1:?usage: mpi_test.sh PATH/TO/physr PATH/TO/datasets MPIEXEC}"
datasets="${2:?usage: mpi_test.sh PATH/TO/physr PATH/TO/datasets MPIEXEC}"
mpiexec="${3:?usage: mpi_test.sh PATH/TO/physr PATH/TO/datasets MPIEXEC}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/physr_mpi_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# OpenMPI refuses to run as root unless told; CI containers run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# More ranks than cores, no binding: this machine may have fewer cores than the test's ranks.
mpirun=("$mpiexec" --oversubscribe --bind-to none)

source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"

data="$datasets/damped_oscillator.csv"
search=(fit "$data" --batch 300 --evolve 300 --seed 3 --threads 1 -q)

# same_run A.json B.json: the two results hold the same front, selection, counters and
# history (timings aside); prints the first difference otherwise.
same_run() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def strip(doc):
    keys = ("pareto", "best", "selected", "epochs", "evaluations", "sampled", "dead_ends",
            "invalid", "bred", "first_exact_epoch", "exact_nrmse")
    out = {k: doc.get(k) for k in keys}
    out["history"] = [{k: v for k, v in e.items() if k != "seconds"} for e in doc["history"]]
    return out
sa, sb = strip(a), strip(b)
for k in sa:
    if sa[k] != sb[k]:
        print(f"{k} differs: {str(sa[k])[:300]} != {str(sb[k])[:300]}")
        sys.exit(1)
EOF
}

# field JSON KEY: a top-level field of a result file.
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# --- the same front at every number of ranks ------------------------------------------------

"$physr" "${search[@]}" --epochs 3 --json "$tmp/plain.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if ((rc == 0)) && [[ "$(field "$tmp/plain.json" ranks)" == 1 ]]; then
  pass "without mpirun: one rank"
else
  fail "without mpirun: one rank" "exit status $rc"
fi

for n in 1 2 3; do
  name="mpirun -np $n: the front of one process"
  timeout 300 "${mpirun[@]}" -np "$n" "$physr" "${search[@]}" --epochs 3 \
    --json "$tmp/np$n.json" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if ((rc != 0)); then
    fail "$name" "exit status $rc"
  elif [[ "$(field "$tmp/np$n.json" ranks)" != "$n" ]]; then
    fail "$name" "ranks is $(field "$tmp/np$n.json" ranks), expected $n"
  elif ! diff_text=$(same_run "$tmp/plain.json" "$tmp/np$n.json"); then
    fail "$name" "$diff_text"
  elif [[ "$(grep -c '^search ' "$tmp/out")" != 1 ]]; then
    fail "$name" "the report was not printed once"
  else
    pass "$name"
  fi
done

# --- ranks that disagree refuse to start ----------------------------------------------------

expect_mismatch() {
  local name="$1"
  shift
  timeout 120 "${mpirun[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if ((rc == 0 || rc == 124)); then
    fail "$name" "exit status $rc, expected an error"
  elif ! grep -q "differs between processes" "$tmp/err"; then
    fail "$name" "no message naming the mismatch"
  else
    pass "$name"
  fi
}
expect_mismatch "ranks with different options are refused" \
  -np 1 "$physr" "${search[@]}" --epochs 2 : \
  -np 1 "$physr" "${search[@]}" --epochs 2 --risk-epsilon 0.1
head -n 150 "$data" >"$tmp/part.csv"
expect_mismatch "ranks with different data are refused" \
  -np 1 "$physr" "${search[@]}" --epochs 2 : \
  -np 1 "$physr" fit "$tmp/part.csv" --batch 300 --evolve 300 --seed 3 --threads 1 -q --epochs 2

timeout 120 "${mpirun[@]}" -np 2 "$physr" fit - --epochs 2 <"$data" >"$tmp/out" 2>"$tmp/err"
rc=$?
if ((rc != 0 && rc != 124)) && grep -q "standard input" "$tmp/err"; then
  pass "data from standard input is refused across ranks"
else
  fail "data from standard input is refused across ranks" "exit status $rc"
fi

# --- SIGINT: every rank stops after the epoch, the result is written ------------------------

# start_checkpointed CKPT JSON [MPIRUN FLAGS...]: starts a long search across two ranks with
# `timeout -s KILL 300` in the background as $job, checkpointing every epoch into CKPT and
# writing JSON, and returns once the first checkpoint is there.
start_checkpointed() {
  local ckpt="$1" json="$2"
  shift 2
  timeout -s KILL 300 "${mpirun[@]}" "$@" -np 2 "$physr" "${search[@]}" --epochs 100000 \
    --checkpoint "$ckpt" --checkpoint-every 1 --json "$json" >"$tmp/out" 2>"$tmp/err" &
  job=$!
  for _ in $(seq 600); do
    [[ -f "$ckpt/search.ckpt" ]] && break
    sleep 0.2
  done
}

# mpirun sends SIGTERM to the ranks odls_base_sigkill_timeout seconds after its own SIGINT and
# SIGKILL as long after that: the ranks need that long to finish their epoch.
start=$SECONDS
start_checkpointed "$tmp/ckpt" "$tmp/int.json" --mca odls_base_sigkill_timeout 30
# To mpirun itself: `timeout` would also signal its whole process group, and OpenMPI's mpirun
# takes a second SIGINT as "end at once", orphaning its ranks (the case after this one).
kill -INT "$(pgrep -P "$job")"
wait "$job"
rc=$?
name="SIGINT to mpirun: every rank stops after an epoch, the result written"
if ((rc == 0)); then
  fail "$name" "exit status 0"
elif ((SECONDS - start >= 290)); then
  fail "$name" "the job hung"
elif [[ ! -f "$tmp/int.json" ]]; then
  fail "$name" "no result file; exit status $rc after $((SECONDS - start)) s"
elif [[ "$(field "$tmp/int.json" stop_reason)" != interrupted ]]; then
  fail "$name" "stop_reason $(field "$tmp/int.json" stop_reason)"
else
  pass "$name"
  epochs=$(field "$tmp/int.json" epochs)
  "$physr" "${search[@]}" --epochs "$epochs" --json "$tmp/int_plain.json" >"$tmp/out" 2>"$tmp/err"
  if diff_text=$(same_run "$tmp/int_plain.json" "$tmp/int.json"); then
    pass "the interrupted run's front is one process's after as many epochs"
  else
    fail "the interrupted run's front is one process's after as many epochs" "$diff_text"
  fi
  # Resumed with three ranks for one epoch more: one process's run of that length.
  more=$((epochs + 1))
  timeout 300 "${mpirun[@]}" -np 3 "$physr" "${search[@]}" --epochs "$more" --resume "$tmp/ckpt" \
    --json "$tmp/resumed.json" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  "$physr" "${search[@]}" --epochs "$more" --json "$tmp/more_plain.json" >/dev/null 2>&1
  if ((rc != 0)); then
    fail "resumed with another number of ranks" "exit status $rc"
  elif ! diff_text=$(same_run "$tmp/more_plain.json" "$tmp/resumed.json"); then
    fail "resumed with another number of ranks" "$diff_text"
  else
    pass "resumed with another number of ranks"
  fi
fi

# --- the launcher dies: its orphaned ranks stop after an epoch, the result written -----------

start_checkpointed "$tmp/orphan_ckpt" "$tmp/orphan.json"
kill -KILL "$(pgrep -P "$job")"
wait "$job" 2>/dev/null  # bash would report the killed job
name="mpirun killed: its ranks stop after an epoch, rank 0 writes the result"
for _ in $(seq 300); do
  [[ -f "$tmp/orphan.json" ]] && ! pgrep -f "$tmp/orphan.json" >/dev/null && break
  sleep 0.2
done
if pgrep -f "$tmp/orphan.json" >/dev/null; then
  fail "$name" "ranks still running 60 s after mpirun was killed"
  pkill -KILL -f "$tmp/orphan.json"
elif [[ ! -f "$tmp/orphan.json" ]]; then
  fail "$name" "no result file, no rank left"
elif [[ "$(field "$tmp/orphan.json" stop_reason)" != interrupted ]]; then
  fail "$name" "stop_reason $(field "$tmp/orphan.json" stop_reason)"
else
  pass "$name"
fi

# --- a rank that dies or stalls ends the job ------------------------------------------------

# start_job LIMIT ARGS...: starts `timeout -s KILL LIMIT mpirun -np 2 physr ARGS` in the
# background as $job and sets $victim to the pid of its rank 1 ("" if none came up).
start_job() {
  local limit="$1" pid
  shift
  timeout -s KILL "$limit" "${mpirun[@]}" -np 2 "$physr" "$@" >"$tmp/out" 2>"$tmp/err" &
  job=$!
  victim=""
  for _ in $(seq 300); do
    # $job is timeout, mpirun its child, the ranks mpirun's children; OpenMPI puts each
    # rank's number in its environment.
    launcher=$(ps -o pid= --ppid "$job" 2>/dev/null | head -n 1 | tr -d ' ')
    for pid in $([[ -n "$launcher" ]] && ps -o pid= --ppid "$launcher" 2>/dev/null); do
      if ps -o args= -p "$pid" | grep -q physr &&
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then
        victim=$pid
      fi
    done
    [[ -n "$victim" ]] && break
    sleep 0.2
  done
  sleep 2
}

# mpirun exits with the killed rank's status (137); a hang shows as the time it took: the
# job ends in seconds, while `timeout` would end a hung one only after 120 s.
start_job 120 "${search[@]}" --epochs 100000
name="a rank killed with SIGKILL ends the job with a non-zero status"
if [[ -z "$victim" ]]; then
  fail "$name" "no rank found"
  kill -KILL "$job" 2>/dev/null
  wait "$job"
else
  start=$SECONDS
  kill -KILL "$victim"
  wait "$job"
  rc=$?
  if ((rc == 0)); then
    fail "$name" "exit status 0"
  elif ((SECONDS - start > 60)); then
    fail "$name" "the job hung after the rank died"
  else
    pass "$name"
  fi
fi

# A rank stopped with SIGSTOP (alive, never reaching the next exchange): the other rank gives
# up after max(--mpi-timeout, 4 × its longest stretch of work between exchanges), a few
# seconds here, prints why and ends the job; a hang would last until `timeout`'s 150 s.
start_job 150 "${search[@]}" --epochs 100000 --mpi-timeout 3
name="a rank stopped with SIGSTOP ends the job with an error on rank 0"
if [[ -z "$victim" ]]; then
  fail "$name" "no rank found"
  kill -KILL "$job" 2>/dev/null
  wait "$job"
else
  start=$SECONDS
  kill -STOP "$victim"
  wait "$job"
  rc=$?
  kill -KILL "$victim" 2>/dev/null
  if ((rc == 0)); then
    fail "$name" "exit status 0"
  elif ((SECONDS - start > 90)); then
    fail "$name" "the job hung after the rank stalled ($((SECONDS - start)) s)"
  elif ! grep -q "rank 0 of 2 waited .* a rank has stalled" "$tmp/err"; then
    fail "$name" "no message from rank 0: $(tail -c 400 "$tmp/err")"
  else
    pass "$name"
  fi
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
