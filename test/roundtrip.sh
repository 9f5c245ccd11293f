#!/bin/sh
# print -> parse -> print must be a fixed point for every .ir file of the
# tests and examples, as written and after each registered pass.  Files
# that are meant to fail (they announce expected errors or run `not strata`)
# are skipped.  Usage: roundtrip.sh STRATA SOURCE_DIR
set -u
strata="$1"
src="$2"
passes=$("$strata" opt --list-passes | awk '{print $1}')
files=0
failed=0
for f in $(find "$src/test" "$src/examples" -name '*.ir' | sort); do
  grep -q -e 'expected-error' -e 'not strata' "$f" && continue
  split=""
  grep -q -e '^// -----' "$f" && split="--split-input-file"
  files=$((files + 1))
  for p in "" $passes; do
    if ! "$strata" opt $split --verify-roundtrip --pipeline="$p" "$f" > /dev/null 2> /tmp/roundtrip.$$; then
      echo "FAIL: $f after '${p:-parse}':"
      cat /tmp/roundtrip.$$
      failed=$((failed + 1))
    fi
  done
done
rm -f /tmp/roundtrip.$$
echo "round-trip: $files files x $(echo $passes | wc -w) passes + parse, $failed failed"
[ "$failed" -eq 0 ] && [ "$files" -gt 0 ]
