# Sourced by ./run and ./test: make sure the .NET 10 SDK is there, or say exactly what is missing.
if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is not installed (no 'dotnet' on PATH)." >&2
    echo "       Install it from Microsoft's packages, e.g. on Debian 12: apt-get install -y dotnet-sdk-10.0" >&2
    echo "       (after adding https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb)." >&2
    exit 1
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "error: the .NET 10 SDK is required; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
    exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
