# Sourced by ./test: the browser tests drive Debian's Chromium. Install it when missing and allowed to.
if [[ -z "${CHROMIUM_PATH:-}" ]] && ! [[ -x /usr/bin/chromium || -x /usr/bin/chromium-browser ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Chromium for the browser tests (apt-get install chromium)..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "error: the browser tests need Chromium. Install Debian's package as root: apt-get install -y chromium" >&2
        echo "       (or point CHROMIUM_PATH at a Chromium or Chrome executable)." >&2
        exit 1
    fi
fi
