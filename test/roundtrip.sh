#!/bin/sh
# print -> parse -> print must be a fixed point for every .ir file of the
# tests and examples, as written and after each registered pass that
# accepts the file (a pass may refuse IR it does not handle, e.g.
# lower-to-loops on ops without a lowering; that is not a round-trip
# failure).  Files that are meant to fail (they announce expected errors or
# run `not strata`) are skipped.  Usage: roundtrip.sh STRATA SOURCE_DIR
set -u
strata="$1"
src="$2"
passes=$("$strata" opt --list-passes | awk '{print $1}')
files=0
checks=0
failed=0
for f in $(find "$src/test" "$src/examples" -name '*.ir' | sort); do
  grep -q -e 'expected-error' -e 'not strata' "$f" && continue
  split=""
  grep -q -e '^// -----' "$f" && split="--split-input-file"
  files=$((files + 1))
  for p in "" $passes; do
    "$strata" opt $split --pipeline="$p" "$f" > /tmp/roundtrip.$$.ir 2> /dev/null || continue
    checks=$((checks + 1))
    if ! "$strata" opt $split --verify-roundtrip /tmp/roundtrip.$$.ir > /dev/null 2> /tmp/roundtrip.$$; then
      echo "FAIL: $f after '${p:-parse}':"
      cat /tmp/roundtrip.$$
      failed=$((failed + 1))
    fi
  done
done
rm -f /tmp/roundtrip.$$ /tmp/roundtrip.$$.ir
echo "round-trip: $files files, $checks (file, pass) outputs checked, $failed failed"
[ "$failed" -eq 0 ] && [ "$files" -gt 0 ]
