#!/usr/bin/env bash
# Re-fetch the browser libraries the maps use, so the app serves them itself
# (static/vendor/, served at /app/static/vendor/ with server.enableStaticServing).
# Versions are pinned here and in agora/ui/maps.py (VENDOR). Needs npm (registry access).
set -euo pipefail

LEAFLET_VERSION=1.9.4

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "leaflet@${LEAFLET_VERSION}" >/dev/null
tar xzf "leaflet-${LEAFLET_VERSION}.tgz"

out="$dest/leaflet-${LEAFLET_VERSION}"
rm -rf "$out"
mkdir -p "$out/images"
cp package/dist/leaflet.js package/dist/leaflet.css "$out/"
cp package/dist/images/layers.png package/dist/images/layers-2x.png \
   package/dist/images/marker-icon.png package/dist/images/marker-icon-2x.png \
   package/dist/images/marker-shadow.png "$out/images/"
cp package/LICENSE "$out/LICENSE"
# The source map is not shipped: drop the comment that points browsers at it.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/leaflet.js"

echo "vendored leaflet ${LEAFLET_VERSION} into ${out#"$root"/}"
