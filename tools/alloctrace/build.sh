#!/bin/sh
# Builds tools/alloctrace/build/liballoctrace.so with the system's C compiler ($CC, else cc). Linux.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
"${CC:-cc}" -shared -fPIC -O2 -Wall -Wextra -o "$here/build/liballoctrace.so" "$here/alloctrace.c" -ldl -lpthread
echo "$here/build/liballoctrace.so"
