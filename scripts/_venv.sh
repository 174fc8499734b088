# Sourced by scripts/run and scripts/test: a project-local virtualenv with pinned requirements.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
install_requirements() {  # $1: requirements file; reinstall only when it changed
    local stamp=".venv/.installed-$(basename "$1")"
    if [ ! -f "$stamp" ] || ! cmp -s "$1" "$stamp" || { [ "$1" = requirements-dev.txt ] && ! cmp -s requirements.txt .venv/.installed-requirements.txt; }; then
        local out
        if ! out=$(.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$1" 2>&1); then
            echo "$out" >&2
            return 1
        fi
        # This machine's pip configuration warns about absent local mirrors; keep only real news.
        echo "$out" | grep -v "^WARNING: Location '.*' is ignored" || true
        cp "$1" "$stamp"
        [ "$1" = requirements-dev.txt ] && cp requirements.txt .venv/.installed-requirements.txt
    fi
    return 0
}
install_debian_packages() {  # $@: Debian packages; installs the missing ones when we may (root, apt)
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
        return 0
    fi
    echo "Installing ${missing[*]}..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
# The PDF report (WeasyPrint) draws with pango, and Japanese needs the Noto CJK fonts.
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
