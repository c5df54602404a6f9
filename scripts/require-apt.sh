# Sourced by ./test. require_apt COMMAND PACKAGE WHAT: make sure COMMAND exists, installing Debian's
# PACKAGE when running as root, otherwise saying exactly what to install.
APT_UPDATED=0
require_apt() {
    local command=$1 package=$2 what=$3
    command -v "$command" >/dev/null 2>&1 && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing $package for $what (apt-get install $package)..."
        if [[ $APT_UPDATED == 0 ]]; then
            apt-get update -qq
            APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    else
        echo "error: $what need $command. Install Debian's package as root: apt-get install -y $package" >&2
        exit 1
    fi
}
