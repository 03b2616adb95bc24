#!/usr/bin/env bash
# Sets up everything the VS Code end-to-end test (tests/editors/test_vscode.py) needs, from the
# Debian and npm registries only:
#   - Debian packages: chromium (the browser), and to build code-server's native modules
#     libkrb5-dev, ripgrep, a C/C++ toolchain and python3;
#   - code-server 4.100.3 (VS Code 1.100.3; the newest release for Node 20), installed once into
#     $RADIX_LS_E2E_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/radix-ls-e2e) and reused after;
#   - playwright-core (npm ci in tests/editors/vscode) to drive Chromium;
#   - the extension: npm ci and npm run package in editors/vscode (the .vsix).
# stdout is one line of JSON naming what was set up ({chromium, codeServer, vsix,
# driverModules, seconds}; also written to $RADIX_LS_E2E_CACHE/setup.json), or {skip: reason}
# when Chromium cannot be installed. Everything else goes to stderr.
#
# Exit status: 0 ready; 3 Chromium cannot be installed on this machine (the test skips with
# the reason); anything else is a real failure (the test fails).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
HERE="$(cd "$(dirname "$0")" && pwd)"
EXTENSION="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$EXTENSION/../.." && pwd)"
DRIVER="$ROOT/tests/editors/vscode"
CACHE="${RADIX_LS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/radix-ls-e2e}"
CODE_SERVER_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
start=$(date +%s)

say() { echo "== setup-e2e: $*" >&2; }
elapsed() { echo "$(( $(date +%s) - start )) s"; }

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq >&2
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

find_chromium() {
    if [ -n "${RADIX_LS_E2E_CHROMIUM:-}" ]; then
        echo "$RADIX_LS_E2E_CHROMIUM"
        return 0
    fi
    local name
    for name in chromium chromium-browser google-chrome-stable google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

no_chromium() {
    echo "setup-e2e: $1" >&2
    node -e 'console.log(JSON.stringify({skip: process.argv[1]}))' "$1"
    exit 3
}

# -- Chromium: the only part whose absence skips the test ------------------------------------
if ! chromium="$(find_chromium)"; then
    if ! can_apt; then
        no_chromium "Chromium is not installed and cannot be installed here (needs root and apt-get); install chromium or set RADIX_LS_E2E_CHROMIUM to a Chromium or Chrome binary"
    fi
    say "installing chromium with apt-get"
    if ! apt_install chromium || ! chromium="$(find_chromium)"; then
        no_chromium "apt-get could not install chromium (its output is above)"
    fi
fi
"$chromium" --version >&2

# -- code-server, cached outside the repository ------------------------------------------------
need_tools() {
    local missing=()
    command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
    [ -e /usr/include/krb5.h ] || [ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
    command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ "${#missing[@]}" -gt 0 ]; then
        if ! can_apt; then
            echo "setup-e2e: missing ${missing[*]} (needed to build code-server) and no root apt-get" >&2
            exit 1
        fi
        say "installing ${missing[*]} with apt-get"
        apt_install "${missing[@]}"
    fi
}

if [ -f "$CODE_SERVER_DIR/.complete" ]; then
    say "code-server $CODE_SERVER_VERSION cached in $CODE_SERVER_DIR"
else
    need_tools
    say "installing code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR"
    rm -rf "$CODE_SERVER_DIR" "$CODE_SERVER_DIR.partial"
    mkdir -p "$CODE_SERVER_DIR.partial"
    (
        cd "$CODE_SERVER_DIR.partial"
        # npm 11 runs dependencies' install scripts only where package.json allows them.
        cat > package.json <<'JSON'
{ "private": true, "allowScripts": { "argon2": true } }
JSON
        npm install --no-audit --no-fund --ignore-scripts "code-server@$CODE_SERVER_VERSION" >&2
        npm rebuild argon2 >&2
        cd node_modules/code-server
        # VS Code's own native modules build from source; @vscode/ripgrep's script would
        # download rg from GitHub, so it is denied and Debian's rg goes where it looks instead.
        node -e '
            const fs = require("fs");
            const file = "lib/vscode/package.json";
            const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
            pkg.allowScripts = Object.fromEntries(["@parcel/watcher", "@vscode/deviceid",
                "@vscode/spdlog", "kerberos", "native-watchdog", "node-pty"].map((n) => [n, true]));
            pkg.allowScripts["@vscode/ripgrep"] = false;
            fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
        '
        npm_config_unsafe_perm=true npm_config_yes=true npm run postinstall >&2
        mkdir -p lib/vscode/node_modules/@vscode/ripgrep/bin
        ln -sf "$(command -v rg)" lib/vscode/node_modules/@vscode/ripgrep/bin/rg
    )
    mv "$CODE_SERVER_DIR.partial" "$CODE_SERVER_DIR"
    touch "$CODE_SERVER_DIR/.complete"
    say "code-server installed ($(elapsed) so far)"
fi
code_server="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
node "$code_server" --version >&2

# -- the test driver (playwright-core) and the extension ---------------------------------------
say "npm ci in tests/editors/vscode (playwright-core)"
(cd "$DRIVER" && npm ci --no-audit --no-fund >&2)
say "npm ci and npm run package in editors/vscode"
(cd "$EXTENSION" && npm ci --no-audit --no-fund >&2 && npm run package >&2)
version="$(node -p 'require(process.argv[1]).version' "$EXTENSION/package.json")"
vsix="$EXTENSION/radix-ls-$version.vsix"
[ -f "$vsix" ] || { echo "setup-e2e: $vsix was not built" >&2; exit 1; }

say "ready in $(elapsed)"
result="$(node -e 'console.log(JSON.stringify({chromium: process.argv[1], codeServer: process.argv[2],
    vsix: process.argv[3], driverModules: process.argv[4], seconds: Number(process.argv[5])}))' \
    "$chromium" "$code_server" "$vsix" "$DRIVER/node_modules" "$(( $(date +%s) - start ))")"
mkdir -p "$CACHE"
echo "$result" > "$CACHE/setup.json"
echo "$result"
