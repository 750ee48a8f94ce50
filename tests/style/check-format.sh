#!/bin/bash
# check-format.sh SRCDIR: every C file of the tree as .clang-format writes it.
# Prints the files that differ and the command that fixes them.
set -euo pipefail
cd "$1"
fmt=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './_build*')
# One process for the whole tree; it names each file that differs.
if ! out=$("$fmt" --dry-run --Werror "${files[@]}" 2>&1); then
  grep -o '^[^:]*\.[ch]:' <<<"$out" | sort -u | sed 's/:$//; s/^/not formatted: /'
  echo "run: git ls-files '*.c' '*.h' | xargs $(basename "$fmt") -i"
  exit 1
fi
echo "every C file follows .clang-format (${#files[@]} files)"
