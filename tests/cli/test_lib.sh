# Helpers of the command-line test scripts (cli_test.sh, class_cli_test.sh, mpi_test.sh),
# sourced after they set $physr (the binary) and $tmp (a temporary directory). Each check prints "ok" or
# "FAIL" with the command's output; the caller ends with the counts.
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

