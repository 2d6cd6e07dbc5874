#!/usr/bin/env bash
# Command-line tests for `physr units`, `physr eval`, `physr fit`, `physr predict` and
# `physr report`: exact results on the bundled datasets; for every kind of bad input exit status 2 with one line on stderr naming the
# problem (and nothing on stdout); hostile data; and a checkpointed `physr fit` killed with
# kill -9 or SIGTERM and resumed to the uninterrupted result; result files read back by
# predict, damaged result files and checkpoints, a locked checkpoint directory. Bad files are generated in a
# temporary directory.
# Usage: cli_test.sh PATH/TO/physr PATH/TO/datasets
set -uo pipefail

physr="${1:?usage: cli_test.sh PATH/TO/physr PATH/TO/datasets}"
datasets="${2:?usage: cli_test.sh PATH/TO/physr PATH/TO/datasets}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/physr_cli_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# pass, fail, run, expect_ok, expect_error, json_number, near.
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"

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
expect_error "units: unknown unit" "unknown unit 'xyz'" units 'xyz'
expect_error "units: a near name is suggested" "did you mean 'ohm'" units 'Ohm'
expect_error "units: affine units are refused" "°C is an affine unit.*T\[K\] = T\[°C\] \+ 273.15" \
  units '°C'
expect_ok "units km/h" units km/h
grep -qx 'm/s  (L T^-1)  × 0.277777777777778' "$tmp/out" && pass "units km/h prints the scale" ||
  fail "units km/h prints the scale" "got '$(cat "$tmp/out")'"
expect_ok "units keV" units keV
grep -qx 'kg\*m^2/s^2  (M L^2 T^-2)  × 1.602176634e-16' "$tmp/out" && pass "units keV scale" ||
  fail "units keV scale" "got '$(cat "$tmp/out")'"
expect_ok "units m/s" units m/s
grep -qx 'm/s  (L T^-1)' "$tmp/out" && pass "units m/s prints no scale" ||
  fail "units m/s prints no scale" "got '$(cat "$tmp/out")'"
expect_error "units: missing argument" "TEXT|required" units
expect_error "units: a prefixed unit in another case" "unknown unit 'kw' .*\(did you mean 'kW'\?" \
  units kw
expect_error "units: a unit written out" "unknown unit 'seconds' .*\(did you mean 's'\?" \
  units 'm/seconds'
expect_error "units: two units run together" "did you mean 'nm' or 'N\*m'\?" units Nm
run units xyz
if [[ "$(grep -o $'\xce\xa9' "$tmp/err" | wc -l)" == 1 ]] && ! grep -q $'\xe2\x84\xa6' "$tmp/err"; then
  pass "units: the known units list the ohm once"
else
  fail "units: the known units list the ohm once" "Ω (U+03A9, U+2126) not listed exactly once"
fi

# ---- top level ---------------------------------------------------------------------------
expect_ok "--version" --version
grep -Eq '^physr [0-9]+\.[0-9]+' "$tmp/out" && pass "--version text" || fail "--version text" "no version"
expect_ok "-V" -V
[[ "$(cat "$tmp/out")" == "$("$physr" --version)" ]] && pass "-V prints the version as --version" ||
  fail "-V prints the version as --version" "got '$(cat "$tmp/out")'"
expect_ok "--help" --help
grep -q 'eval' "$tmp/out" && pass "--help lists eval" || fail "--help lists eval" "no 'eval'"
expect_ok "eval --help" eval --help
grep -q -- '--formula' "$tmp/out" && pass "eval --help lists --formula" || fail "eval --help lists --formula" "missing"
expect_error "no command" "subcommand" 
expect_error "unknown command" "frobnicate" frobnicate
expect_error "unknown flag" "--bogus" eval "$rel" --formula m --bogus
expect_error "mistyped flag: the nearest option" \
  "^physr: error: unknown option '--time-limt' for 'physr fit' \(did you mean '--time-limit'\? see 'physr fit --help'\)$" \
  fit "$rel" --time-limt 60
expect_error "mistyped flag that took the next argument" \
  "unknown option '--formla' for 'physr eval' \(did you mean '--formula'\?" eval "$rel" --formla m
expect_error "unknown flag before the command" "unknown option '--bogus' for 'physr' \(see 'physr --help'\)" \
  --bogus units m
expect_error "an argument too many" "unexpected argument 'extra' for 'physr units' \(see 'physr units --help'\)" \
  units m extra
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

# A CSV in scaled units is converted to SI: the formula and its constants work in SI.
printf 'd[km],t[min],v[km/h]\n3,2,90\n12,30,24\n1.5,1.5,60\n' >"$tmp/prefixed.csv"
expect_ok "eval on a prefixed CSV" eval "$tmp/prefixed.csv" --formula 'd/t' --json "$tmp/prefixed.json"
near "prefixed CSV: R2 = 1" "$(json_number "$tmp/prefixed.json" r2)" 1 1e-12
grep -qx 'note        converted v from km/h to m/s (× 0.277777777777778)' "$tmp/out" &&
  pass "eval reports the conversion" || fail "eval reports the conversion" "no note"
grep -qx 'note        converted d from km to m (× 1000)' "$tmp/out" &&
  pass "eval reports the input conversion" || fail "eval reports the input conversion" "no note"
expect_ok "eval fits a constant in SI" eval "$tmp/prefixed.csv" --formula 'k*d/t' \
  --free-const 'k[1]' --fit --json "$tmp/prefixed_k.json"
near "the fitted constant is 1 in SI" "$(json_number "$tmp/prefixed_k.json" value)" 1 1e-9
expect_ok "eval with a constant in km/s" eval "$tmp/prefixed.csv" --formula 'd/t*c/c0' \
  --const 'c[km/s]=299792.458' --const 'c0[m/s]=299792458' --json "$tmp/prefixed_c.json"
near "a constant in km/s is converted to SI" "$(json_number "$tmp/prefixed_c.json" r2)" 1 1e-12

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

# Columns named like operators (n2 is the square operator): `n2(x)` is the operator, a
# bare n2 the column, and what physr prints reads back.
awk 'BEGIN { print "n1[1],n2[1],theta[1],R[1]";
  for (i = 1; i <= 40; i++) { a = 1 + i % 5; b = 0.5 + (i * 7) % 11 / 4; th = 0.1 * i;
    printf "%d,%.17g,%.17g,%.17g\n", a, b, th, a * a * b + sin(th) } }' >"$tmp/names.csv"
expect_ok "eval with a column named n2" eval "$tmp/names.csv" --formula 'n2(n1)*n2 + sin(theta)' \
  --json "$tmp/names.json"
near "column n2: R2 = 1" "$(json_number "$tmp/names.json" r2)" 1 1e-12
grep -q '^formula *n1^2\*n2 + sin(theta)$' "$tmp/out" && pass "column n2: printed formula" ||
  fail "column n2: printed formula" "not 'n1^2*n2 + sin(theta)'"
expect_ok "fit with a column named n2" fit "$tmp/names.csv" --epochs 2 --batch 100 \
  --max-length 12 --seed 3 --threads 1 -q --json "$tmp/names_fit.json"
if command -v python3 >/dev/null 2>&1; then
  # Every formula of the JSON front reads back through eval --formula.
  mapfile -t front < <(python3 -c 'import json, sys
for f in json.load(open(sys.argv[1]))["pareto"]: print(f["infix"])' "$tmp/names_fit.json")
  if ((${#front[@]} == 0)); then
    fail "column n2: fit front" "no formulas in the JSON front"
  fi
  for formula in "${front[@]}"; do
    expect_ok "column n2: '$formula' reads back" eval "$tmp/names.csv" --formula "$formula"
  done
  formula=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["infix"])' \
    "$tmp/names.json")
  expect_ok "column n2: eval JSON infix reads back" eval "$tmp/names.csv" --formula "$formula"
fi

# E = m*v^2/2: the fitted dimensionless 0.5 is written 1/2 in every notation, and reads back.
awk 'BEGIN { print "m[kg],v[m/s],E[J]";
  for (i = 1; i <= 40; i++) { m = 0.5 + (i * 3) % 7 / 3; v = 0.5 + (i * 5) % 11 / 3;
    printf "%.17g,%.17g,%.17g\n", m, v, m * v * v / 2 } }' >"$tmp/kinetic.csv"
expect_ok "fit E = m*v^2/2" fit "$tmp/kinetic.csv" --ops mul,n2 --epochs 30 --batch 200 \
  --seed 1 --threads 1 -q --json "$tmp/kinetic.json"
half=$(sed -nE 's/^formula +(.*)$/\1/p' "$tmp/out")
if [[ "$half" == *1/2* ]] && grep -q '"sympy": ".*1/2.*"' "$tmp/kinetic.json" &&
  grep -q '"latex": ".*\\\\frac{1}{2}.*"' "$tmp/kinetic.json"; then
  pass "fit writes the exact 1/2"
else
  fail "fit writes the exact 1/2" "best formula '$half'"
fi
if grep -q '^note .*uses none of the inputs' "$tmp/out"; then
  fail "no advice when the best formula uses the inputs" "$(grep '^note' "$tmp/out")"
else
  pass "no advice when the best formula uses the inputs"
fi
# A time against a dimensionless target with only dimensionless constants: no formula of t
# obeys the unit rules, and the report says what to declare.
awk 'BEGIN { print "t[s],y[1]"; for (i = 0; i < 40; i++) printf "%g,%.17g\n", i / 4, exp(-i / 8) }' \
  >"$tmp/decay.csv"
expect_ok "fit of a dimensionless y(t)" fit "$tmp/decay.csv" --epochs 2 --batch 100 --seed 1 \
  --threads 1 -q
if grep -q "^note .*uses none of the inputs.*--free-const 'C\[s\]'" "$tmp/out"; then
  pass "advice when no formula can use the inputs"
else
  fail "advice when no formula can use the inputs" "no note naming --free-const 'C[s]'"
fi
# --search-rows: the search fits on 15 of the 40 rows, the front is refitted on all of them.
expect_ok "fit --search-rows" fit "$tmp/kinetic.csv" --ops mul,n2 --epochs 2 --batch 200 \
  --seed 1 --threads 1 -q --search-rows 15 --json "$tmp/rows.json"
if grep -q '"search_rows": 15' "$tmp/rows.json" && grep -q '"rows": 40' "$tmp/rows.json"; then
  pass "the result file records --search-rows, and the rows of the final fit"
else
  fail "the result file records --search-rows, and the rows of the final fit" "missing"
fi
expect_error "--search-rows refuses a negative count" "search-rows" fit "$tmp/kinetic.csv" \
  --search-rows -1
expect_error "--race-rows refuses a negative count" "race-rows" fit "$tmp/kinetic.csv" \
  --race-rows -1
expect_error "--race-advance refuses a share outside (0, 1]" "race advance" fit \
  "$tmp/kinetic.csv" --race-advance 0
expect_error "--race-iterations refuses a negative count" "race iterations" fit \
  "$tmp/kinetic.csv" --race-iterations -1
expect_error "--restart-after refuses a negative count" "restart after" fit \
  "$tmp/kinetic.csv" --restart-after -1
# --features: the distance of two points in a plane is sqrt of one feature; the report and the
# result file name the features, in the data's variables.
awk 'BEGIN { srand(3); print "x1[m],x2[m],y1[m],y2[m],d[m]"; for (i = 0; i < 100; i++) {
    a = 6 * rand() - 3; b = 6 * rand() - 3; c = 6 * rand() - 3; e = 6 * rand() - 3
    printf "%.17g,%.17g,%.17g,%.17g,%.17g\n", a, b, c, e, sqrt((a - b)^2 + (c - e)^2) } }' \
  >"$tmp/distance.csv"
expect_ok "fit --features" fit "$tmp/distance.csv" --features on --ops add,sub,mul,div,n2,sqrt \
  --groups off --enumerate off --max-length 6 --epochs 10 --batch 300 --seed 1 --threads 1 -q \
  --json "$tmp/features.json"
if grep -q "^features    x1^2 + x2^2 + y1^2 + y2^2; (x1 - x2)^2 + (y1 - y2)^2;" "$tmp/out" &&
  grep -A2 '^  "features": \[$' "$tmp/features.json" | grep -qF '"(x1 - x2)^2 + (y1 - y2)^2",' &&
  grep -q '"features": "on"' "$tmp/features.json" &&
  grep -q "^formula     sqrt((x1 - x2)^2 + (y1 - y2)^2)$" "$tmp/out"; then
  pass "--features finds the distance over a feature and reports the features"
else
  fail "--features finds the distance over a feature and reports the features" "$(head -c 600 "$tmp/out")"
fi
expect_ok "fit --no-canonical" fit "$tmp/kinetic.csv" --ops mul,n2 --epochs 2 --batch 200 \
  --seed 1 --threads 1 -q --no-canonical --json "$tmp/raw.json"
if grep -q '"canonical": false' "$tmp/raw.json" && grep -q '"canonical": true' "$tmp/kinetic.json"; then
  pass "the result file records --no-canonical"
else
  fail "the result file records --no-canonical" "no \"canonical\" option as expected"
fi
expect_ok "the exact 1/2 reads back" eval "$tmp/kinetic.csv" --formula "$half" \
  --json "$tmp/kinetic_eval.json"
near "the exact 1/2 reads back: R2 = 1" "$(json_number "$tmp/kinetic_eval.json" r2)" 1 1e-12

{ echo 'exp[1],E[1],y[1]'; echo '0.5,2,3.2974425414002564'; echo '1,3,8.154845485377136'; } \
  >"$tmp/exp.csv"
expect_ok "eval with columns named exp and E" eval "$tmp/exp.csv" --formula 'exp(exp)*E' \
  --json "$tmp/exp.json"
grep -q '^formula *exp(exp)\*E$' "$tmp/out" && pass "column exp: printed formula" ||
  fail "column exp: printed formula" "not 'exp(exp)*E'"
grep -qF '"sympy": "exp(Symbol('"'exp'"'))*Symbol('"'E'"')"' "$tmp/exp.json" &&
  pass "column exp: SymPy text" || fail "column exp: SymPy text" "$(grep sympy "$tmp/exp.json")"

# Rows with NaN are dropped on request.
{ echo 'x[m],y[m]'; echo '1,1'; echo 'nan,2'; echo '3,3'; } >"$tmp/nan.csv"
run eval "$tmp/nan.csv" --formula x --drop-nonfinite
((rc == 0)) && pass "--drop-nonfinite" || fail "--drop-nonfinite" "exit status $rc"

# ---- CSV as it comes: delimiters, standard input, --json -, sidecar units, --ignore --------
sed 's/,/;/g' "$rel" >"$tmp/semicolon.csv"
expect_ok "';' file detected" eval "$tmp/semicolon.csv" --formula "$true_formula" "${light[@]}" \
  --json "$tmp/semicolon.json"
near "';' file: R2 = 1" "$(json_number "$tmp/semicolon.json" r2)" 1 1e-12
expect_error "';' file read with --delimiter ," "semicolon\.csv:1:[0-9]+: .*holds ';'.*--delimiter ';'" \
  eval "$tmp/semicolon.csv" --formula m --delimiter ,
tr ',' '\t' <"$rel" >"$tmp/tabs.tsv"
expect_ok "--delimiter tab" eval "$tmp/tabs.tsv" --delimiter tab --formula "$true_formula" \
  "${light[@]}" --json "$tmp/tabs.json"
near "--delimiter tab: R2 = 1" "$(json_number "$tmp/tabs.json" r2)" 1 1e-12
expect_error "bad --delimiter" "--delimiter '\|'" eval "$rel" --formula m --delimiter '|'
printf 'x[m]|y[s]\n1|2\n' >"$tmp/pipes.csv"
expect_error "a separator --delimiter does not take" \
  "pipes\.csv:1:5: header cell 'x\[m\]\|y\[s\]' has text after its \[unit\] \(cells split at ','; --delimiter takes ',', ';', tab or space\)" \
  eval "$tmp/pipes.csv" --formula x
printf 't[sec],x[m]\n1,2\n' >"$tmp/sec.csv"
expect_error "a unit written out in the header" "sec\.csv:1:3: .*unknown unit 'sec' .*did you mean 's'\?" \
  eval "$tmp/sec.csv" --formula t
"$physr" eval - --formula "$true_formula" "${light[@]}" --json - <"$rel" >"$tmp/out" 2>"$tmp/err"
rc=$?
if ((rc == 0)) && grep -q '"data": "<stdin>"' "$tmp/out" && grep -q '^data *<stdin>: 200 rows' "$tmp/err"; then
  pass "eval - --json -: JSON on stdout naming <stdin>, report on stderr"
else
  fail "eval - --json -: JSON on stdout naming <stdin>, report on stderr" "exit status $rc"
fi
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$tmp/out" >/dev/null 2>&1 && pass "--json - parses as JSON" ||
    fail "--json - parses as JSON" "python3 -m json.tool rejects stdout"
fi
{ echo 'x[m] t[s] v[m/s]'; for i in 1 2 3 4 5 6; do echo "$i 2 $((i * 5))e-1"; done; } |
  "$physr" fit - --epochs 1 --batch 50 --max-length 8 --threads 1 -q --json - \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if ((rc == 0)) && grep -q '"data": "<stdin>"' "$tmp/out" && grep -q 'Pareto front' "$tmp/err" &&
  ! grep -q 'Pareto front' "$tmp/out"; then
  pass "fit - --json -: JSON on stdout, report on stderr"
else
  fail "fit - --json -: JSON on stdout, report on stderr" "exit status $rc"
fi
mkdir -p "$tmp/sidecar"
{ echo 'm,v,E'; tail -n +2 "$rel"; } >"$tmp/sidecar/rel.csv"
cp "$datasets/relativistic_energy.json" "$tmp/sidecar/rel.json"
expect_ok "units from the JSON sidecar" eval "$tmp/sidecar/rel.csv" --formula "$true_formula" \
  "${light[@]}" --json "$tmp/sidecar.json"
near "sidecar units: R2 = 1" "$(json_number "$tmp/sidecar.json" r2)" 1 1e-12
expect_error "--units overrides the sidecar" "result has dimension" eval "$tmp/sidecar/rel.csv" \
  --formula "$true_formula" "${light[@]}" --units 'E=kg'
{ echo 'm[kg],v[s],E'; tail -n +2 "$rel"; } >"$tmp/sidecar/rel.csv"
run eval "$tmp/sidecar/rel.csv" --formula m --target v --ignore E
if ((rc == 2)) && grep -q "warning: .*rel\.csv:1:7: column 'v' has unit s in the header but m/s in .*rel\.json" "$tmp/err"; then
  pass "a header unit that disagrees with the sidecar wins, with a warning"
else
  fail "a header unit that disagrees with the sidecar wins, with a warning" "exit status $rc"
fi
expect_error "--json onto the sidecar" "--json '.*rel\.json': this is the sidecar" eval \
  "$tmp/sidecar/rel.csv" --formula m --target v --ignore E --json "$tmp/sidecar/rel.json"
echo '{"columns": {"m": {"unit": "kg"},}' >"$tmp/sidecar/rel.json"
expect_error "malformed sidecar" "rel\.json:1:[0-9]+: not valid JSON" eval "$tmp/sidecar/rel.csv" --formula m
printf 'name,x[m],note,y[m]\n"Mercury, small",1,,2\nVenus,2,n/a,4\n' >"$tmp/labels.csv"
expect_ok "--ignore text columns" eval "$tmp/labels.csv" --ignore name --ignore note --formula '2*x' \
  --json "$tmp/labels.json"
near "--ignore: R2 = 1" "$(json_number "$tmp/labels.json" r2)" 1 1e-12
expect_ok "--ignore comma-separated" eval "$tmp/labels.csv" --ignore name,note --formula '2*x'
expect_error "--ignore an unknown column" "labels\.csv: no column 'nope' for --ignore" \
  eval "$tmp/labels.csv" --ignore name,note,nope --formula x
expect_error "--ignore the target" "column 'y' is the target" eval "$tmp/labels.csv" \
  --ignore name,note,y --target y --formula x

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
# Five base dimensions (kg, m, s, K, mol): the ideal gas law, R fitted per mole and kelvin.
awk 'BEGIN { print "V[m^3],n[mol],T[K],P[Pa]";
  for (i = 1; i <= 30; i++) { V = 0.01 * (1 + i % 5); n = 1 + i % 3; T = 250 + 10 * (i % 7);
    printf "%.17g,%d,%d,%.17g\n", V, n, T, n * 8.314 * T / V } }' >"$tmp/gas.csv"
expect_ok "five base dimensions (gas law)" fit "$tmp/gas.csv" --epochs 2 --batch 50 -q \
  --threads 1 --free-const 'R[J/(mol*K)]'

# ---- operators: --ops, --complexity, --define ----------------------------------------------
# Checked before the data is read: the data file here does not exist.
expect_error "unknown operator in --ops" "--ops: unknown operator 'cosh' \(valid: add, sub, .*abs\)" \
  fit "$tmp/no_such_file.csv" --ops mul,cosh
expect_ok "fit --help lists the operators" fit --help
if grep -q "arcsin, arccos, arctan, abs" "$tmp/out"; then pass "--help names the operators"; else
  fail "--help names the operators" "no operator list"; fi
expect_error "--complexity: bad number" "--complexity: the complexity of 'sin' must be a number > 0, got 'two'" \
  fit "$tmp/no_such_file.csv" --complexity sin=two
expect_error "--complexity: negative" "got '-1'" fit "$tmp/no_such_file.csv" --complexity exp=-1
expect_error "--complexity: unknown operator" "--complexity: unknown operator 'sinh'" \
  fit "$tmp/no_such_file.csv" --complexity sinh=2
expect_error "--complexity: no '='" "expected NAME=NUMBER, got 'sin'" \
  fit "$tmp/no_such_file.csv" --complexity sin
expect_error "--define: syntax error" "definition 'f\(x\)=sin\(x': .*unclosed '\('" \
  fit "$tmp/no_such_file.csv" --define 'f(x)=sin(x'
expect_error "--define: unknown operator in the body" "'cosh' is not a function" \
  fit "$tmp/no_such_file.csv" --define 'f(x)=cosh(x)'
expect_error "--define: a built-in's name" "'sqrt' is a built-in operator" \
  fit "$tmp/no_such_file.csv" --define 'sqrt(x)=x'
expect_error "--define: three arguments" "'f' takes 3 arguments" \
  fit "$tmp/no_such_file.csv" --define 'f(x,y,z)=x'
expect_error "--define: recursion" "'f' calls itself" fit "$tmp/no_such_file.csv" --define 'f(x)=f(x)+1'
expect_error "--define: defined twice" "operator 'f' defined twice" \
  eval "$tmp/no_such_file.csv" --formula x --define 'f(x)=x' --define 'f(x)=2*x'
# y = sinc(x): the search samples the defined operator and finds it.
awk 'BEGIN { print "x[1],y[1]";
  for (i = 1; i <= 300; i++) { x = 0.5 + 11.5 * i / 300; printf "%.17g,%.17g\n", x, sin(x) / x } }' \
  >"$tmp/sinc.csv"
expect_ok "fit --define sinc" fit "$tmp/sinc.csv" --define 'sinc(x)=sin(x)/x' --epochs 20 --seed 1 \
  --threads 2 -q --json "$tmp/sinc.json"
if grep -q '"infix": "sinc(x)"' "$tmp/sinc.json" && grep -q '"sinc(x)=sin(x)/x"' "$tmp/sinc.json"; then
  pass "fit --define finds y = sinc(x) and records the definition"
else
  fail "fit --define finds y = sinc(x) and records the definition" "$(head -n 12 "$tmp/sinc.json")"
fi
expect_ok "eval reads a defined operator back" eval "$tmp/sinc.csv" --define 'sinc(x)=sin(x)/x' \
  --formula 'sinc(x)' --complexity sinc=3 --json "$tmp/sinc_eval.json"
near "eval --define: exact" "$(json_number "$tmp/sinc_eval.json" rmse)" 0 1e-12
near "eval --complexity" "$(json_number "$tmp/sinc_eval.json" complexity)" 4 0
# The result file carries the definition, so predict rebuilds the defined operator.
awk 'BEGIN { print "x[1]"; print "2" }' >"$tmp/sinc_new.csv"
run predict "$tmp/sinc.json" "$tmp/sinc_new.csv"
near "predict with a defined operator" "$(tail -n 1 "$tmp/out" | cut -d, -f2)" \
  0.45464871341284085 1e-12
expect_error "defined operator with a dimensioned argument" "sinc: argument must be dimensionless" \
  eval "$rel" --define 'sinc(x)=sin(x)/x' --formula 'm*c^2*sinc(v)' "${light[@]}"
# ---- physr fit --groups: the search over dimensionless groups -----------------------------
# Relativistic energy with c given: the search runs over v/c, the law comes back in m, v, c.
expect_ok "fit --groups on" fit "$datasets/relativistic_energy.csv" --const 'c[m/s]=299792458' \
  --groups on --epochs 40 --batch 500 --seed 2 --threads 1 -q --json "$tmp/groups.json"
grep -q '"pi1": "v/c"' "$tmp/groups.json" && pass "--groups on: JSON names the group v/c" ||
  fail "--groups on: JSON names the group v/c" "no \"pi1\": \"v/c\" in the JSON"
grep -q '^groups      E/(m\*c^2) = f(pi1), pi1 = v/c$' "$tmp/out" &&
  pass "--groups on: the report names the groups" ||
  fail "--groups on: the report names the groups" "no groups line"
near "--groups on: exact law" "$(json_number "$tmp/groups.json" nrmse)" 0 1e-9
grep -q '"units": "kg\*m^2/s^2"' "$tmp/groups.json" && pass "--groups on: the target's units" ||
  fail "--groups on: the target's units" "best formula not in kg*m^2/s^2"
grep -Pzq '"portfolio": false,\s*"selected_from": "groups"' "$tmp/groups.json" &&
  pass "--groups on: JSON says the groups alone" ||
  fail "--groups on: JSON says the groups alone" "no portfolio false, selected_from groups"
# --groups auto: the portfolio, both searches on 6000 formulas; the report says which was chosen.
expect_ok "fit --groups auto" fit "$datasets/relativistic_energy.csv" \
  --const 'c[m/s]=299792458' --groups auto --max-evals 6000 --seed 1 --threads 1 -q \
  --json "$tmp/portfolio.json"
grep -Eq '^portfolio   searched over the groups and over the data as given; selected: over the (groups|data as given)$' "$tmp/out" &&
  pass "--groups auto: the report has the portfolio line" ||
  fail "--groups auto: the report has the portfolio line" "no portfolio line"
grep -Pzq '"portfolio": true,\s*"selected_from": "(groups|data)"' "$tmp/portfolio.json" &&
  pass "--groups auto: JSON marks the portfolio" ||
  fail "--groups auto: JSON marks the portfolio" "no portfolio true in the JSON"
expect_error "--groups takes off, on or auto" "groups: expected off, on or auto, not 'yes'" \
  fit "$datasets/relativistic_energy.csv" --groups yes --epochs 1 -q
expect_error "--groups on refuses a free constant with units" "free constant g has units" \
  fit "$datasets/relativistic_energy.csv" --groups on --free-const 'g[m/s^2]' --epochs 1 -q

# ---- physr fit --screen: wide data, the columns ranked before the search ------------------
# 120 columns (units cycling m, s, kg, m/s, 1) of which F = x3*x4/x2 uses three.
awk 'BEGIN { n = 120; h = "";
  for (j = 1; j <= n; j++) { split("m s kg m/s 1", u, " "); h = h "x" j "[" u[(j - 1) % 5 + 1] "],"; }
  print h "F[kg*m/s^2]";
  for (i = 1; i <= 200; i++) { line = "";
    for (j = 1; j <= n; j++) { v = sin(i * 12.9898 + j * 78.233) * 43758.5453;
      x[j] = sprintf("%.6g", 1 + 4 * (v - int(v) < 0 ? v - int(v) + 1 : v - int(v))) + 0;
      line = line x[j] ","; }
    printf "%s%.17g\n", line, x[3] * x[4] / x[2] } }' >"$tmp/wide.csv"
expect_ok "fit --screen 8" fit "$tmp/wide.csv" --screen 8 --epochs 60 --seed 1 --threads 1 -q \
  --json "$tmp/wide.json"
near "--screen 8: finds F = x3*x4/x2" "$(json_number "$tmp/wide.json" nrmse)" 0 1e-6
grep -Eq '^screening   kept 8 of 120 columns: .*x2 .*' "$tmp/out" &&
  grep -Eq '^screening   .* x3 ' "$tmp/out" && grep -Eq '^screening   .* x4 ' "$tmp/out" &&
  pass "--screen 8: the report lists the kept columns" ||
  fail "--screen 8: the report lists the kept columns" "$(grep screening "$tmp/out")"
grep -q '"columns": 120' "$tmp/wide.json" && grep -q '"kept": \[' "$tmp/wide.json" &&
  pass "--screen 8: the JSON lists the kept columns" ||
  fail "--screen 8: the JSON lists the kept columns" "no screening object"
# The result predicts from all the columns, and from the kept ones alone.
run predict "$tmp/wide.json" "$tmp/wide.csv"
near "--screen: predict from every column" "$(sed -n 2p "$tmp/out" | awk -F, '{ print $NF - $(NF - 1) }')" 0 1e-9
cut -d, -f2-4,121 "$tmp/wide.csv" >"$tmp/wide_kept.csv"
run predict "$tmp/wide.json" "$tmp/wide_kept.csv"
near "--screen: predict from the kept columns" "$(sed -n 2p "$tmp/out" | awk -F, '{ print $NF - $(NF - 1) }')" 0 1e-9
expect_ok "fit --screen larger than the columns" fit "$tmp/wide.csv" --screen 500 --epochs 1 -q
grep -q '^screening' "$tmp/out" && fail "--screen 500: no screening" "a screening line" ||
  pass "--screen 500: no screening"
for bad in 0 -3 abc; do
  expect_error "--screen $bad is refused" "screen: expected a number of columns to keep .*, not '$bad'" \
    fit "$tmp/wide.csv" --screen "$bad" --epochs 1 -q
done

# ---- physr fit: checkpoint, kill -9, resume ----------------------------------------------
# Noisy data, so no formula is exact and the run goes to its epoch limit.
awk 'BEGIN { print "x[m],t[s],v[m/s]";
  for (i = 1; i <= 60; i++) { x = 1 + i % 7; t = 1 + (i * 3) % 5;
    printf "%d,%d,%.17g\n", x, t, x / t * (1 + 0.1 * sin(i)) } }' >"$tmp/noisy.csv"
fitargs=(fit "$tmp/noisy.csv" --epochs 12 --batch 200 --max-length 12 --seed 5 --threads 1 -q)
# pareto_of FILE: the Pareto front and counters of a JSON result, without timings.
pareto_of() { sed -n '/"pareto"/,/"sampled"/p' "$1" | grep -v '"seconds"'; }
expect_ok "fit uninterrupted" "${fitargs[@]}" --json "$tmp/whole.json"
# The profile object: seconds per phase, their sum, the fits run and racing's refits.
profile_of() { sed -n '/^  "profile": {/,/^  }/p' "$1"; }
for key in sample_priors sample_policy fit train breed enumerate simplify finalise other seconds fitted advanced; do
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
# SIGTERM: the run saves its state and exits 143; resumed to a later epoch limit, it ends as a
# run to that limit that was never stopped. No epoch limit within reach: the signal always
# comes while the run is searching (its checkpoint directory is made once the signal
# handlers are in place).
stopargs=(fit "$tmp/noisy.csv" --batch 200 --max-length 12 --seed 5 --threads 1 -q)
"$physr" "${stopargs[@]}" --epochs 1000000 --checkpoint "$tmp/ckpt2" --checkpoint-every 1000000 \
  --json "$tmp/stopped.json" >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
for _ in $(seq 1 3000); do
  [[ -d "$tmp/ckpt2" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.02
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
stopped_epochs="$(json_number "$tmp/stopped.json" epochs)"
if ((rc == 143)) && [[ -s "$tmp/ckpt2/search.ckpt" ]] && grep -q '"stop_reason": "interrupted"' \
  "$tmp/stopped.json" && [[ "$stopped_epochs" =~ ^[0-9]+$ ]]; then
  pass "SIGTERM saves a checkpoint and exits 143"
  later=$((stopped_epochs + 2))
  expect_ok "fit to the later limit, uninterrupted" "${stopargs[@]}" --epochs "$later" \
    --json "$tmp/whole2.json"
  expect_ok "fit --resume after SIGTERM" "${stopargs[@]}" --epochs "$later" --resume "$tmp/ckpt2" \
    --json "$tmp/resumed2.json"
  if [[ "$(json_number "$tmp/resumed2.json" epochs)" == "$later" &&
    "$(pareto_of "$tmp/whole2.json")" == "$(pareto_of "$tmp/resumed2.json")" ]]; then
    pass "resume after SIGTERM gives the uninterrupted run's Pareto front"
  else
    fail "resume after SIGTERM gives the uninterrupted run's Pareto front" \
      "$(diff <(pareto_of "$tmp/whole2.json") <(pareto_of "$tmp/resumed2.json") | head -n 20)"
  fi
else
  fail "SIGTERM saves a checkpoint and exits 143" \
    "exit status $rc, epochs '$stopped_epochs', checkpoint $(ls "$tmp/ckpt2" 2>&1)"
fi
other_seed=("${fitargs[@]}")
for i in "${!other_seed[@]}"; do
  [[ "${other_seed[$i]}" == --seed ]] && other_seed[i + 1]=6
done
expect_error "resume with another seed" "different run" "${other_seed[@]}" --resume "$tmp/ckpt"
expect_error "resume without a checkpoint" "no readable checkpoint" "${fitargs[@]}" \
  --resume "$tmp/no_ckpt_here"

# ---- result files: physr predict, damaged files, locks, unwritable outputs ----------------
expect_ok "fit writes a result file" "${fitargs[@]}" --json "$tmp/result.json"
for key in '"format": "physr-result"' '"version": 1' '"physr_version"' '"inputs"' '"library"' \
  '"options"' '"data_fingerprint"' '"history"' '"selected"' '"target_unit"'; do
  grep -q "^  $key" "$tmp/result.json" && pass "result file has $key" ||
    fail "result file has $key" "missing at the top level"
done
grep -q '"valid_share"' "$tmp/result.json" && pass "result history has valid_share" ||
  fail "result history has valid_share" "missing"
awk 'BEGIN { print "x[km],t[min]"; print "0.002,0.05"; print "0.005,0.1" }' >"$tmp/new.csv"
expect_ok "predict on rows in scaled units" predict "$tmp/result.json" "$tmp/new.csv" \
  -o "$tmp/pred.csv"
if [[ "$(head -n 1 "$tmp/pred.csv")" == "x[km],t[min],v_predicted[m/s]" ]] &&
  (($(wc -l <"$tmp/pred.csv") == 3)); then
  pass "predict writes the rows and the prediction column"
else
  fail "predict writes the rows and the prediction column" "$(cat "$tmp/pred.csv")"
fi
# x = 2 m, t = 3 s in SI and in km/min: the same prediction.
awk 'BEGIN { print "x[m],t[s]"; print "2,3" }' >"$tmp/si.csv"
awk 'BEGIN { print "x[km],t[min]"; print "0.002,0.05" }' >"$tmp/scaled.csv"
run predict "$tmp/result.json" "$tmp/si.csv"
si_value=$(tail -n 1 "$tmp/out" | cut -d, -f3)
run predict "$tmp/result.json" "$tmp/scaled.csv"
scaled_value=$(tail -n 1 "$tmp/out" | cut -d, -f3)
if [[ -n "$si_value" ]] && awk -v a="$si_value" -v b="$scaled_value" \
  'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (a < 0 ? -a : a)) }'; then
  pass "predict converts scaled units to SI"
else
  fail "predict converts scaled units to SI" "$si_value vs $scaled_value"
fi
run predict "$tmp/result.json" "$tmp/si.csv" --formula 0
[[ $rc == 0 && "$(tail -n 1 "$tmp/out")" == 2,3,* ]] && pass "predict --formula 0" ||
  fail "predict --formula 0" "exit status $rc"
awk 'BEGIN { print "x[m],t[kg]"; print "2,3" }' >"$tmp/wrong_unit.csv"
expect_error "predict: a column in another unit" "column 't' is in \[kg\].*\[s\]" \
  predict "$tmp/result.json" "$tmp/wrong_unit.csv"
awk 'BEGIN { print "x[m]"; print "2" }' >"$tmp/no_t.csv"
expect_error "predict: a column missing" "no column 't'" predict "$tmp/result.json" "$tmp/no_t.csv"
expect_error "predict: --formula out of range" "--formula 999" \
  predict "$tmp/result.json" "$tmp/si.csv" --formula 999
expect_error "predict: unwritable -o" "--output '$tmp/no_dir/p.csv': cannot be written" \
  predict "$tmp/result.json" "$tmp/si.csv" -o "$tmp/no_dir/p.csv"
head -c 200 "$tmp/result.json" >"$tmp/truncated.json"
expect_error "predict: truncated result file" "truncated.json:[0-9]+:[0-9]+: not valid JSON \(the file ends early" \
  predict "$tmp/truncated.json" "$tmp/si.csv"
sed 's/"format": "physr-result"/"format": "other"/' "$tmp/result.json" >"$tmp/foreign.json"
expect_error "predict: foreign JSON" "foreign.json: no \"format\": \"physr-result\"" \
  predict "$tmp/foreign.json" "$tmp/si.csv"
sed 's/"version": 1,/"version": 99,/' "$tmp/result.json" >"$tmp/v99.json"
expect_error "predict: newer format version" "version 99 is not supported" \
  predict "$tmp/v99.json" "$tmp/si.csv"
sed 's/"expression": /"expressio": /' "$tmp/result.json" >"$tmp/damaged.json"
expect_error "predict: damaged result file" "damaged.json: missing field pareto\[0\].expression" \
  predict "$tmp/damaged.json" "$tmp/si.csv"
sed 's/"operators": \[/"operators": ["nosuchop", /' "$tmp/result.json" >"$tmp/badop.json"
expect_error "predict: an unknown operator in the library" \
  "badop.json: field library: unknown operator 'nosuchop'" predict "$tmp/badop.json" "$tmp/si.csv"
# ---- physr report: runs the Python package's report in $PHYSR_PYTHON (else python3) ------
PHYSR_PYTHON="$tmp/no-python" expect_error "report: no Python interpreter" \
  "cannot run the Python interpreter '$tmp/no-python'.*PHYSR_PYTHON" report "$tmp/result.json"
if command -v python3 >/dev/null; then
  printf '#!/bin/sh\nexec python3 -I -S "$@"\n' >"$tmp/bare-python"
  chmod +x "$tmp/bare-python"
  PHYSR_PYTHON="$tmp/bare-python" expect_error \
    "report: a Python without the package says how to get it" \
    "needs the physr Python package and matplotlib.*pip install 'physr\[report\]'" \
    report "$tmp/result.json"
fi
report_python="${PHYSR_PYTHON:-python3}"
if "$report_python" -c 'import matplotlib, physr._report' >/dev/null 2>&1; then
  # The result names its data file, which is still there: all four figures.
  run report "$tmp/result.json" -o "$tmp/report.html"
  images=$(grep -o 'src="data:image/png;base64,[A-Za-z0-9+/=]\{100,\}"' "$tmp/report.html" |
    wc -l)
  if ((rc == 0)) && ((images >= 4)) && ! grep -q 'https\?://' "$tmp/report.html"; then
    pass "report writes a self-contained HTML file with its images"
  else
    fail "report writes a self-contained HTML file with its images" "exit $rc, $images images"
  fi
else
  echo "skip  report writes the HTML file: '$report_python' cannot import physr and" \
    "matplotlib (set PHYSR_PYTHON; tests/python/test_report.py runs it in the test venv)"
fi
# Rows the formula cannot evaluate: reported by line, the cell left empty, exit status 3.
awk 'BEGIN { print "x[1],y[1]"; for (i = 1; i <= 20; i++) print i "," log(i) }' >"$tmp/logdata.csv"
expect_ok "fit log data" fit "$tmp/logdata.csv" --ops log,mul,add --epochs 3 --batch 100 \
  --max-length 4 --seed 1 --threads 1 -q --no-default-consts --json "$tmp/log.json"
awk 'BEGIN { print "x[1]"; print "2"; print "-1"; print "3" }' >"$tmp/negative.csv"
run predict "$tmp/log.json" "$tmp/negative.csv"
if ((rc == 3)) && grep -q "negative.csv:3: the formula gives nan" "$tmp/err" &&
  [[ "$(sed -n 3p "$tmp/out")" == "-1," ]]; then
  pass "predict reports rows it cannot evaluate (exit 3, line named, cell empty)"
else
  fail "predict reports rows it cannot evaluate (exit 3, line named, cell empty)" "exit $rc"
fi
# fitargs with an epoch limit no test waits for.
long_fit=("${fitargs[@]}")
for i in "${!long_fit[@]}"; do
  [[ "${long_fit[$i]}" == --epochs ]] && long_fit[i + 1]=1000000
done
expect_error "fit --json into a missing directory is refused first" \
  "--json '$tmp/no_dir/r.json': cannot be written: no directory" \
  "${long_fit[@]}" --json "$tmp/no_dir/r.json"
expect_error "fit --checkpoint that cannot be a directory is refused first" \
  "cannot use checkpoint directory '$tmp/result.json/ckpt'" \
  "${long_fit[@]}" --checkpoint "$tmp/result.json/ckpt"
# A damaged checkpoint: one byte changed, and one cut short.
cp -r "$tmp/ckpt" "$tmp/ckpt_bad"
printf '\x55' | dd of="$tmp/ckpt_bad/search.ckpt" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_error "resume from a damaged checkpoint" "ckpt_bad/search.ckpt'.*(damaged|different run)" \
  "${fitargs[@]}" --resume "$tmp/ckpt_bad"
cp -r "$tmp/ckpt" "$tmp/ckpt_short"
size=$(wc -c <"$tmp/ckpt_short/search.ckpt")
truncate -s $((size / 2)) "$tmp/ckpt_short/search.ckpt"
expect_error "resume from a truncated checkpoint" "ckpt_short/search.ckpt': truncated file" \
  "${fitargs[@]}" --resume "$tmp/ckpt_short"
# A checkpoint directory in use: a second run is refused.
"$physr" "${long_fit[@]}" --checkpoint "$tmp/busy" --checkpoint-every 1 \
  >/dev/null 2>&1 </dev/null &
busy_pid=$!
for _ in $(seq 1 3000); do
  [[ -s "$tmp/busy/search.ckpt" ]] && break
  kill -0 "$busy_pid" 2>/dev/null || break
  sleep 0.1
done
expect_error "a checkpoint directory in use is refused" "'$tmp/busy' is in use by another run" \
  "${fitargs[@]}" --checkpoint "$tmp/busy"
kill -9 "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null
expect_ok "the directory is free again once that run is gone" "${fitargs[@]}" \
  --checkpoint "$tmp/busy"

echo "$passed passed, $failed failed"
((failed == 0))
