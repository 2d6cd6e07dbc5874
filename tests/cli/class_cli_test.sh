#!/usr/bin/env bash
# Command-line tests of `physr fit` over several datasets (class symbolic regression): three
# files of y[m] = L_k*exp(-t/tau) with tau = 1.5 s shared and L_k per file, searched with
# --class-const and --spe-const, and the same rows as one file split by --group; the result
# file's `class` object and its law in canonical form; bad input (a file whose columns differ, an empty file, --group
# misused) and `physr predict` on a class result refused with exit status 2 and one line
# naming the problem. Data files are generated in a temporary directory.
# Usage: class_cli_test.sh PATH/TO/physr
set -uo pipefail

physr="${1:?usage: class_cli_test.sh PATH/TO/physr}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/physr_class_cli_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# pass, fail, run, expect_ok, expect_error, json_number, near.
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"

# write_run FILE L SEED: 25 rows of t[s], y[m] = L*exp(-t/1.5), t pseudo-random in [0.1, 4].
write_run() {
  awk -v L="$2" -v seed="$3" 'BEGIN {
    srand(seed); print "t[s],y[m]"
    for (i = 0; i < 25; i++) { t = 0.1 + 3.9 * rand(); printf "%.17g,%.17g\n", t, L * exp(-t / 1.5) }
  }' >"$1"
}
write_run "$tmp/a.csv" 0.2 1
write_run "$tmp/b.csv" 1.0 2
write_run "$tmp/c.csv" 3.0 3
{
  echo "run[1],t[s],y[m]"
  for k in a b c; do
    case $k in a) id=1 ;; b) id=2 ;; c) id=3 ;; esac
    tail -n +2 "$tmp/$k.csv" | sed "s/^/$id,/"
  done
} >"$tmp/grouped.csv"

consts=(--class-const 'tau[s]' --spe-const 'L[m]' --no-default-consts)
search=(--seed 1 --epochs 40 --batch 300 --evolve 300 --max-length 16 --threads 2)

# check_class NAME FILE: the selected law's class fit in FILE recovers tau and each L.
check_class() {
  local report
  if report=$(python3 - "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
c = doc["class"]
best = c["best"]
assert len(c["datasets"]) == 3 and c["specific_constants"] == ["L"], c["datasets"]
assert best["worst_nrmse"] <= 1e-6, best["worst_nrmse"]
for d, L in zip(best["datasets"], [0.2, 1.0, 3.0]):
    k = d["constants"]
    assert abs(k["L"]["value"] - L) <= 1e-6 * L and k["L"]["role"] == "specific", d
    assert abs(k["tau"]["value"] - 1.5) <= 1e-6 and k["tau"]["role"] == "class", d
    assert k["L"]["unit"] == "m" and k["tau"]["unit"] == "s"
assert len(c["pareto"]) == len(doc["pareto"])
# The law in canonical form, its constants refitted over the class (the search writes
# 1/exp(t/tau)*L).
assert doc["best"]["expression"] == "L/exp(t/tau)", doc["best"]["expression"]
print(doc["best"]["infix"])
PY
  ); then
    pass "$1 ($report)"
  else
    fail "$1" "the class object does not hold the law"
  fi
}

expect_ok "fit over three files" fit "$tmp/a.csv" "$tmp/b.csv" "$tmp/c.csv" "${consts[@]}" \
  "${search[@]}" --json "$tmp/files.json" --quiet
check_class "three files: tau shared, L per file" "$tmp/files.json"
if grep -q "per dataset" "$tmp/out" && grep -q "$tmp/b.csv" "$tmp/out" &&
  grep -q "(class)" "$tmp/out"; then
  pass "the report has the class constants and a line per dataset"
else
  fail "the report has the class constants and a line per dataset" "missing lines"
fi

expect_ok "fit over one file split by --group" fit "$tmp/grouped.csv" --group run "${consts[@]}" \
  "${search[@]}" --json "$tmp/grouped.json" --quiet
check_class "--group: tau shared, L per group" "$tmp/grouped.json"

expect_error "predict refuses a class result" "files.json: a result over several datasets" \
  predict "$tmp/files.json" "$tmp/a.csv"

# Bad input: each error names the file.
printf 't[s],x[m]\n1,2\n2,3\n' >"$tmp/other.csv"
expect_error "a file whose columns differ is named" "other.csv: columns t\[s\] -> x\[m\] differ" \
  fit "$tmp/a.csv" "$tmp/other.csv" "${consts[@]}" --epochs 1
printf 't[min],y[m]\n1,2\n2,3\n' >"$tmp/minutes.csv"
expect_ok "units written differently but the same dimension are accepted" fit "$tmp/a.csv" \
  "$tmp/minutes.csv" "${consts[@]}" --epochs 1 --batch 50 --evolve 0 --quiet
printf 't[kg],y[m]\n1,2\n2,3\n' >"$tmp/mass.csv"
expect_error "a file whose units differ is named" "mass.csv: columns t\[kg\]" \
  fit "$tmp/a.csv" "$tmp/mass.csv" "${consts[@]}" --epochs 1
printf 't[s],y[m]\n' >"$tmp/empty.csv"
expect_error "an empty file is named" "empty.csv" fit "$tmp/a.csv" "$tmp/empty.csv" \
  "${consts[@]}" --epochs 1
expect_error "--group with several files" "--group splits one data file" \
  fit "$tmp/a.csv" "$tmp/b.csv" --group t "${consts[@]}" --epochs 1
expect_error "--group names a missing column" "grouped.csv: no input column 'dataset'" \
  fit "$tmp/grouped.csv" --group dataset "${consts[@]}" --epochs 1
expect_error "a specific constant named like a class constant" "tau" \
  fit "$tmp/a.csv" "$tmp/b.csv" --class-const 'tau[s]' --spe-const 'tau[s]' --epochs 1
expect_error "checkpoints are refused for a class" "checkpoints are not available" \
  fit "$tmp/a.csv" "$tmp/b.csv" "${consts[@]}" --epochs 1 --checkpoint "$tmp/ck"

echo "$passed passed, $failed failed"
((failed == 0))
