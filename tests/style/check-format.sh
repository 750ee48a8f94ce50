#!/bin/bash
# check-format.sh SRCDIR: every C file of the tree as .clang-format writes it.
# Prints the files that differ and the command that fixes them.
set -euo pipefail
cd "$1"
fmt=$(command -v clang-format-14 || command -v clang-format)
bad=0
while IFS= read -r f; do
  if ! "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=1
  fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './_build*')
if [ $bad -ne 0 ]; then
  echo "run: git ls-files '*.c' '*.h' | xargs $(basename "$fmt") -i"
  exit 1
fi
echo "every C file follows .clang-format"
