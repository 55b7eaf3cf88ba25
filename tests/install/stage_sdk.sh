#!/usr/bin/env bash
# Installs the nettrace build tree into STAGE/prefix, as a user would with
# `cmake --install`, then builds the example plugin from a copy of its
# folder in STAGE/src against that prefix alone and installs it there too.
# The installed-tree tests run on what this leaves.
#
#   stage_sdk.sh BUILD_DIR EXAMPLE_DIR STAGE_DIR
set -euo pipefail
build=$1 example=$2 stage=$3

rm -rf "$stage"
mkdir -p "$stage"
chmod 755 "$stage"
cmake --install "$build" --prefix "$stage/prefix" >/dev/null

# A copy, so that nothing of the source tree is on any path the build sees.
cp -r "$example" "$stage/src"
cmake -S "$stage/src" -B "$stage/build" \
  -DCMAKE_PREFIX_PATH="$stage/prefix" -DCMAKE_INSTALL_PREFIX="$stage/prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$stage/build" -j "$(nproc)" >/dev/null
cmake --install "$stage/build" >/dev/null
echo "staged $stage/prefix"
