#!/usr/bin/env bash
# Command-line tests for `physr units`, `physr eval` and `physr fit`: exact results on the
# bundled datasets; for every kind of bad input exit status 2 with one line on stderr naming the
# problem (and nothing on stdout); hostile data; and a checkpointed `physr fit` killed with
# kill -9 or SIGTERM and resumed to the uninterrupted result. Bad files are generated in a
# temporary directory.
# Usage: cli_test.sh PATH/TO/physr PATH/TO/datasets
set -uo pipefail

physr="${1:?usage: cli_test.sh PATH/TO/physr PATH/TO/datasets}"
datasets="${2:?usage: cli_test.sh PATH/TO/physr PATH/TO/datasets}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/physr_cli_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() {
  failed=$((failed + 1))
  printf 'FAIL  %s: %s\n' "$1" "$2"
  if [[ -s "$tmp/out" ]]; then sed 's/^/      stdout| /' "$tmp/out"; fi
  if [[ -s "$tmp/err" ]]; then sed 's/^/      stderr| /' "$tmp/err"; fi
}

# run ARGS...: runs physr, leaving stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
  "$physr" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
}

# expect_ok NAME ARGS...: exit 0 and an empty stderr.
expect_ok() {
  local name="$1"
  shift
  run "$@"
  if ((rc != 0)); then
    fail "$name" "exit status $rc, expected 0"
  elif [[ -s "$tmp/err" ]]; then
    fail "$name" "unexpected output on stderr"
  else
    pass "$name"
  fi
}

# expect_error NAME REGEX ARGS...: exit 2, nothing on stdout, exactly one line on stderr,
# matching "physr: error: " and the extended regular expression REGEX.
expect_error() {
  local name="$1" regex="$2"
  shift 2
  run "$@"
  local lines
  lines=$(wc -l <"$tmp/err")
  if ((rc != 2)); then
    fail "$name" "exit status $rc, expected 2"
  elif [[ -s "$tmp/out" ]]; then
    fail "$name" "unexpected output on stdout"
  elif ((lines != 1)); then
    fail "$name" "$lines lines on stderr, expected 1"
  elif ! grep -Eq "^physr: error: " "$tmp/err"; then
    fail "$name" "stderr does not start with 'physr: error: '"
  elif ! grep -Eq -- "$regex" "$tmp/err"; then
    fail "$name" "stderr does not match /$regex/"
  else
    pass "$name"
  fi
}

# json_number FILE KEY: the first number (or null) stored under "KEY" in FILE.
json_number() {
  sed -nE "s/^ *\"$2\": *(-?[0-9.eE+-]+|null),?$/\1/p" "$1" | head -n 1
}

# near NAME VALUE EXPECTED TOLERANCE: |VALUE - EXPECTED| <= TOLERANCE.
near() {
  if [[ -n "$2" && "$2" != null ]] &&
    awk -v x="$2" -v e="$3" -v t="$4" 'BEGIN { d = x - e; if (d < 0) d = -d; exit !(d <= t) }'; then
    pass "$1"
  else
    fail "$1" "value '$2', expected $3 within $4"
  fi
}

rel="$datasets/relativistic_energy.csv"
mech="$datasets/mechanical_energy.csv"
light=(--const 'c[m/s]=299792458')
true_formula='m*c^2/sqrt(1 - v^2/c^2)'

# ---- physr units -------------------------------------------------------------------------
expect_ok "units J" units J
if [[ "$(cat "$tmp/out")" == "kg*m^2/s^2  (M L^2 T^-2)" ]]; then
  pass "units J prints the dimension"
else
  fail "units J prints the dimension" "got '$(cat "$tmp/out")'"
fi
expect_ok "units dimensionless" units 1
grep -q '^1  (dimensionless)$' "$tmp/out" && pass "units 1 output" || fail "units 1 output" "wrong text"
expect_error "units: bad unit string" "position [0-9]+" units 'kg*m^'
expect_error "units: unknown unit" "km" units 'km'
expect_error "units: missing argument" "TEXT|required" units

# ---- top level ---------------------------------------------------------------------------
expect_ok "--version" --version
grep -Eq '^physr [0-9]+\.[0-9]+' "$tmp/out" && pass "--version text" || fail "--version text" "no version"
expect_ok "--help" --help
grep -q 'eval' "$tmp/out" && pass "--help lists eval" || fail "--help lists eval" "no 'eval'"
expect_ok "eval --help" eval --help
grep -q -- '--formula' "$tmp/out" && pass "eval --help lists --formula" || fail "eval --help lists --formula" "missing"
expect_error "no command" "subcommand" 
expect_error "unknown command" "frobnicate" frobnicate
expect_error "unknown flag" "--bogus" eval "$rel" --formula m --bogus
expect_error "missing --formula" "formula" eval "$rel"
expect_error "--sigma with --weights" "excludes" eval "$rel" --formula m --sigma m --weights v

# ---- physr eval: exact results -----------------------------------------------------------
expect_ok "eval true formula" eval "$rel" --formula "$true_formula" "${light[@]}" \
  --json "$tmp/rel.json"
grep -q '^R2 *1$' "$tmp/out" && pass "eval prints R2 = 1" || fail "eval prints R2 = 1" "no 'R2 1'"
grep -q '^units *kg\*m^2/s^2  (M L^2 T^-2)$' "$tmp/out" && pass "eval prints units" ||
  fail "eval prints units" "no units line"
near "relativistic_energy: R2 = 1 within 1e-12" "$(json_number "$tmp/rel.json" r2)" 1 1e-12
near "relativistic_energy: NRMSE < 1e-12" "$(json_number "$tmp/rel.json" nrmse)" 0 1e-12
for key in infix sympy latex units complexity rmse nrmse r2 constants; do
  grep -q "^  \"$key\": " "$tmp/rel.json" && pass "json has $key" || fail "json has $key" "missing"
done
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$tmp/rel.json" >/dev/null 2>&1 && pass "json parses" ||
    fail "json parses" "python3 -m json.tool rejects it"
fi

# Constants given in another unit spelling are the same constant.
expect_ok "eval const unit spelling" eval "$rel" --formula "$true_formula" \
  --const 'c[m*s^-1]=299792458'

# Explicit --target and --units override.
printf 'a,b,y\n1,2,3\n2,3,5\n4,1,5\n' >"$tmp/nounits.csv"
expect_ok "eval --units for a header without units" eval "$tmp/nounits.csv" --formula 'a + b' \
  --units 'a=m,b=m,y=m' --json "$tmp/nounits.json"
near "--units: R2 = 1" "$(json_number "$tmp/nounits.json" r2)" 1 1e-12
expect_ok "eval --target" eval "$rel" --target m --formula "E/c^2*sqrt(1 - v^2/c^2)" "${light[@]}"

# Free constants fitted with --fit (PhySO's quick-start problem).
expect_ok "eval --fit" eval "$mech" --formula 'm*g*z + m*v^2' --free-const 'm[kg]' \
  --free-const 'g[m/s^2]' --fit --json "$tmp/mech.json"
near "--fit recovers m" "$(sed -n '/"m": {/,/}/p' "$tmp/mech.json" | json_number /dev/stdin value)" 1.234 1e-9
near "--fit recovers g" "$(sed -n '/"g": {/,/}/p' "$tmp/mech.json" | json_number /dev/stdin value)" 9.807 1e-9
grep -q '±' "$tmp/out" && pass "--fit prints ± errors" || fail "--fit prints ± errors" "no ±"

# Rows with NaN are dropped on request.
{ echo 'x[m],y[m]'; echo '1,1'; echo 'nan,2'; echo '3,3'; } >"$tmp/nan.csv"
run eval "$tmp/nan.csv" --formula x --drop-nonfinite
((rc == 0)) && pass "--drop-nonfinite" || fail "--drop-nonfinite" "exit status $rc"

# ---- physr eval: bad input ---------------------------------------------------------------
head -c -4 "$rel" >"$tmp/truncated.csv"  # the last row cut short
expect_error "truncated CSV" "truncated\.csv:201" eval "$tmp/truncated.csv" \
  --formula "$true_formula" "${light[@]}"
{ echo 'x[m],y[m]'; echo '1,2'; echo '3,4,5'; echo '6,7'; } >"$tmp/ragged.csv"
expect_error "ragged row" "ragged\.csv:3" eval "$tmp/ragged.csv" --formula x
{ echo 'x[m],y[m]'; echo '1,2'; echo '3,abc'; } >"$tmp/text.csv"
expect_error "text in a numeric cell" "text\.csv:3:3" eval "$tmp/text.csv" --formula x
{ echo 'x[m],y[m]'; echo '1,nan'; } >"$tmp/nancell.csv"
expect_error "NaN cell without --drop-nonfinite" "nancell\.csv:2" eval "$tmp/nancell.csv" --formula x
{ echo 'x[m/ss],y[m]'; echo '1,2'; } >"$tmp/badunit.csv"
expect_error "bad unit in the header" "badunit\.csv:1:" eval "$tmp/badunit.csv" --formula x
{ echo 'x,y[m]'; echo '1,2'; } >"$tmp/nounit.csv"
expect_error "column without a unit" "'x'.*unit" eval "$tmp/nounit.csv" --formula x
: >"$tmp/empty.csv"
expect_error "empty file" "empty\.csv" eval "$tmp/empty.csv" --formula x
printf '# only a comment\n' >"$tmp/comment.csv"
expect_error "no header" "comment\.csv" eval "$tmp/comment.csv" --formula x
echo 'x[m],y[m]' >"$tmp/header.csv"
expect_error "header without rows" "header\.csv" eval "$tmp/header.csv" --formula x
expect_error "missing file" "no_such_file\.csv" eval "$tmp/no_such_file.csv" --formula x
expect_error "directory instead of a file" "directory" eval "$tmp" --formula x
expect_error "unknown --target column" "nope" eval "$rel" --target nope --formula m
expect_error "unknown --sigma column" "nope" eval "$rel" --sigma nope --formula m
expect_error "unknown name in the formula" "q" eval "$rel" --formula 'm*q'
expect_error "unbalanced formula" "formula" eval "$rel" --formula '(m*c^2' "${light[@]}"
expect_error "unbalanced formula (extra ')')" "formula" eval "$rel" --formula 'm*c^2)' "${light[@]}"
expect_error "incomplete formula" "formula" eval "$rel" --formula 'm*' "${light[@]}"
expect_error "dimensionally wrong formula" "M L T\^-1.*M L\^2 T\^-2" eval "$rel" --formula 'm*c' "${light[@]}"
expect_error "dimensionally wrong sum" "formula 'm \+ v'" eval "$rel" --formula 'm + v'
expect_error "non-dimensionless argument" "sin" eval "$rel" --formula 'm*c^2*sin(v)' "${light[@]}"
expect_error "bad --const: no value" "--const 'c\[m/s\]'" eval "$rel" --formula m --const 'c[m/s]'
expect_error "bad --const: unclosed unit" "--const 'c\[m/s=3'" eval "$rel" --formula m --const 'c[m/s=3'
expect_error "bad --const: not a number" "'abc' is not a number" eval "$rel" --formula m --const 'c[m/s]=abc'
expect_error "bad --const: bad unit" "furlong" eval "$rel" --formula m --const 'c[furlong]=1'
expect_error "bad --const: bad name" "'1c' is not a valid name" eval "$rel" --formula m --const '1c=1'
expect_error "bad --const: not finite" "finite" eval "$rel" --formula m --const 'c=inf'
expect_error "--const clashing with a column" "'m'" eval "$rel" --formula m --const 'm[kg]=1'
expect_error "bad --free-const" "--free-const" eval "$rel" --formula m --free-const 'k[kg'
expect_error "bad --units" "--units" eval "$rel" --formula m --units 'm'
expect_error "free constant without --fit" "--fit" eval "$mech" --formula 'k*v^2' --free-const 'k[kg]'
expect_error "non-finite predictions" "non-finite.*[0-9]+ of 200 rows" eval "$rel" \
  --formula 'm*c^2*log(v/c - 0.5)' "${light[@]}"
expect_error "unwritable --json" "--json" eval "$rel" --formula "$true_formula" "${light[@]}" \
  --json "$tmp/no_such_dir/out.json"

# ---- hostile data ------------------------------------------------------------------------
{ echo 'x[m],y[m],x[s]'; echo '1,2,3'; } >"$tmp/dupcol.csv"
expect_error "duplicate column names" "duplicate column name 'x' \(columns 1 and 3\)" \
  eval "$tmp/dupcol.csv" --formula y
{ echo 'x[m],a[m],y[m]'; echo '1,nan,2'; echo '3,NaN,4'; } >"$tmp/allnan.csv"
expect_error "all-NaN column" "column 'a' holds nan" eval "$tmp/allnan.csv" --formula x
expect_error "all-NaN column with --drop-nonfinite" "'a' holds nan or inf in every row" \
  eval "$tmp/allnan.csv" --formula x --drop-nonfinite
expect_error "absurd unit exponent" "out of range" units 'kg^1000000000000'
expect_error "zero exponent denominator" "zero denominator" units 'm^(1/0)'
expect_error "huge rational exponent" "out of range" units 'm^(99999999999999999999/3)'
expect_error "exponent overflow by nesting" "overflow" units '((((m^1000)^1000)^1000)^1000)'
{ echo 'x[m],y[kg*m^2]'; echo '1,2'; echo '2,3'; } >"$tmp/unreachable.csv"
expect_error "unreachable target units" "no dimensionally valid expression of length ≤ 35 gives kg\*m\^2" \
  fit "$tmp/unreachable.csv" --epochs 1 --no-default-consts -q
{ echo 'x[m],y[1]'; for i in 1 2 3 4 5 6 7 8; do echo "$i,3"; done; } >"$tmp/constant.csv"
expect_ok "constant target" fit "$tmp/constant.csv" --epochs 2 --batch 50 --max-length 10 -q \
  --threads 1 --json "$tmp/constant.json"
near "constant target: exact fit" "$(json_number "$tmp/constant.json" rmse)" 0 1e-9
{ echo 'x[m],y[m]'; echo '2,4'; } >"$tmp/onerow.csv"
expect_ok "one row" fit "$tmp/onerow.csv" --epochs 2 --batch 50 --max-length 10 -q --threads 1

# ---- physr fit: checkpoint, kill -9, resume ----------------------------------------------
# Noisy data, so no formula is exact and the run goes to its epoch limit.
awk 'BEGIN { print "x[m],t[s],v[m/s]";
  for (i = 1; i <= 60; i++) { x = 1 + i % 7; t = 1 + (i * 3) % 5;
    printf "%d,%d,%.17g\n", x, t, x / t * (1 + 0.1 * sin(i)) } }' >"$tmp/noisy.csv"
fitargs=(fit "$tmp/noisy.csv" --epochs 12 --batch 200 --max-length 12 --seed 5 --threads 1 -q)
# pareto_of FILE: the Pareto front and counters of a JSON result, without timings.
pareto_of() { sed -n '/"pareto"/,/"sampled"/p' "$1" | grep -v '"seconds"'; }
expect_ok "fit uninterrupted" "${fitargs[@]}" --json "$tmp/whole.json"
# The profile object: seconds per phase, their sum and the fits run.
profile_of() { sed -n '/^  "profile": {/,/^  }/p' "$1"; }
for key in sample_priors sample_policy fit train breed simplify finalise other seconds fitted; do
  profile_of "$tmp/whole.json" | grep -Eq "^    \"$key\": [0-9]" && pass "json profile has $key" ||
    fail "json profile has $key" "missing or not a number"
done
"$physr" "${fitargs[@]}" --checkpoint "$tmp/ckpt" --checkpoint-every 1 \
  >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
for _ in $(seq 1 3000); do
  [[ -s "$tmp/ckpt/search.ckpt" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.02
done
if kill -9 "$pid" 2>/dev/null; then
  pass "fit killed with -9 after a checkpoint"
else
  fail "fit killed with -9 after a checkpoint" "the run ended before it could be killed"
fi
wait "$pid" 2>/dev/null
[[ -s "$tmp/ckpt/search.ckpt" ]] && pass "checkpoint file exists" ||
  fail "checkpoint file exists" "no $tmp/ckpt/search.ckpt"
expect_ok "fit --resume after kill -9" "${fitargs[@]}" --resume "$tmp/ckpt" --json "$tmp/resumed.json"
if [[ -s "$tmp/whole.json" && "$(pareto_of "$tmp/whole.json")" == "$(pareto_of "$tmp/resumed.json")" ]]; then
  pass "resumed run gives the uninterrupted run's Pareto front"
else
  fail "resumed run gives the uninterrupted run's Pareto front" \
    "$(diff <(pareto_of "$tmp/whole.json") <(pareto_of "$tmp/resumed.json") | head -n 20)"
fi
# SIGTERM: the run saves its state and exits 143; resuming it finishes the same way.
"$physr" "${fitargs[@]}" --checkpoint "$tmp/ckpt2" --checkpoint-every 1000 \
  >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
for _ in $(seq 1 3000); do
  grep -q . "$tmp/err" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  [[ -d "$tmp/ckpt2" ]] && break
  sleep 0.02
done
sleep 0.2
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
if ((rc == 0)); then
  pass "SIGTERM came after the run ended (nothing to check)"
elif ((rc == 143)) && [[ -s "$tmp/ckpt2/search.ckpt" ]]; then
  pass "SIGTERM saves a checkpoint and exits 143"
  expect_ok "fit --resume after SIGTERM" "${fitargs[@]}" --resume "$tmp/ckpt2" \
    --json "$tmp/resumed2.json"
  if [[ "$(pareto_of "$tmp/whole.json")" == "$(pareto_of "$tmp/resumed2.json")" ]]; then
    pass "resume after SIGTERM gives the uninterrupted run's Pareto front"
  else
    fail "resume after SIGTERM gives the uninterrupted run's Pareto front" \
      "$(diff <(pareto_of "$tmp/whole.json") <(pareto_of "$tmp/resumed2.json") | head -n 20)"
  fi
else
  fail "SIGTERM saves a checkpoint and exits 143" "exit status $rc"
fi
other_seed=("${fitargs[@]}")
for i in "${!other_seed[@]}"; do
  [[ "${other_seed[$i]}" == --seed ]] && other_seed[i + 1]=6
done
expect_error "resume with another seed" "different run" "${other_seed[@]}" --resume "$tmp/ckpt"
expect_error "resume without a checkpoint" "no readable checkpoint" "${fitargs[@]}" \
  --resume "$tmp/no_ckpt_here"

echo "$passed passed, $failed failed"
((failed == 0))
