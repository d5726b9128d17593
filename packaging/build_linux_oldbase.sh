#!/usr/bin/env bash
# Build the Linux packages inside a Debian 11 (bullseye, glibc 2.31) root, so that the .deb and
# the .tar.gz run on every distribution with glibc >= 2.31 (Debian 11+, Ubuntu 20.04+/22.04+,
# Mint 21 ...). Run as root on a Debian/Ubuntu host with debootstrap:
#
#   sudo packaging/build_linux_oldbase.sh          # then: sudo packaging/verify_deb.sh <suite>
#
# What it does (each step cached under packaging/build/roots/, so a second run only rebuilds):
#   1. debootstrap --variant=minbase bullseye (the same cached base verify_deb.sh uses);
#   2. a copy of it as the build root, with bullseye-security enabled and every package upgraded
#      on each run (OpenSSL, SQLite, zlib ... are linked into the bundled Python), a compiler, the
#      -dev packages CPython needs and the libraries Qt loads (for the frozen smoke test);
#   3. CPython 3.11 (shared libpython, as PyInstaller needs) compiled in that root from Debian's
#      source package pinned in linux/cpython-source.env (bookworm's python3.11: upstream's
#      tarball plus Debian's backported security patches; each file checked by its SHA-256, the
#      layout patches left out), stamped with that revision and rebuilt whenever the cached one
#      is older than the pin (check_runtime.py); expat is the system's, so the bundle's pyexpat
#      uses the user's patched libexpat. bullseye's own Python is 3.9, and torch 2.13 has wheels
#      for 3.10+ only;
#   4. packaging/build_linux.sh inside the root, on this checkout (bind-mounted at /src), with
#      that Python and PySide6 pinned to the newest release whose wheels need glibc <= 2.28
#      (6.10 and later need 2.34, which Debian 11 does not have).
# Environment: as build_linux.sh (TORCH_INDEX_URL, TORCH_WHEEL, DEB_XZ_LEVEL, GZIP_LEVEL ...);
#   TORCH_WHEEL's folder is bind-mounted read-only into the root. PYSIDE_PIN (default
#   PySide6-Essentials==6.9.3), MIRROR (default http://deb.debian.org/debian).
# Outputs: as build_linux.sh (packaging/dist/...), owned by root.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SUITE=bullseye
ROOTS="$HERE/build/roots"
BASE="$ROOTS/$SUITE-base"
BROOT="$ROOTS/$SUITE-build"
SRC_CACHE="$HERE/build/src"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
# PY_DEB_SOURCE, PY_DEB_VERSION, PY_DEB_POOL, PY_*_SHA256, PY_PATCHES_FROM, PY_MIN_*:
# shellcheck source=linux/cpython-source.env
source "$HERE/linux/cpython-source.env"
PY_PREFIX=/opt/python3.11
PY_TAG="debian-$PY_DEB_VERSION"   # the build tag (sys._git) that check_runtime.py compares
PYSIDE_PIN="${PYSIDE_PIN:-PySide6-Essentials==6.9.3}"
if [[ -z "${NICE+x}" ]]; then NICE="nice -n 19 ionice -c3"; fi
[[ $(id -u) == 0 ]] || { echo "run as root (debootstrap, chroot, mounts)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
mkdir -p "$ROOTS" "$SRC_CACHE"
T0=$(date +%s)
say() { printf '\n== %s\n' "$*"; }

unmount_all() {
  local m
  for m in $(awk -v r="$BROOT/" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
trap unmount_all EXIT INT TERM
mount_basics() {
  local m
  for m in proc sys dev dev/pts; do
    mkdir -p "$BROOT/$m"
    case $m in
      proc) mount -t proc proc "$BROOT/proc" ;;
      sys) mount -t sysfs sys "$BROOT/sys" ;;
      *) mount --bind "/$m" "$BROOT/$m" ;;
    esac
  done
}
in_root() { chroot "$BROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }

say "1. Debian 11 ($SUITE) minbase"
if [[ ! -x "$BASE/bin/sh" ]]; then
  rm -rf "$BASE.tmp"
  $NICE debootstrap --variant=minbase "$SUITE" "$BASE.tmp" "$MIRROR"
  mv "$BASE.tmp" "$BASE"
fi

say "2. build root (compiler, CPython's -dev packages, Qt's runtime libraries)"
unmount_all
if [[ ! -f "$BROOT/.packages-done" ]]; then
  rm -rf "$BROOT"
  cp -a "$BASE" "$BROOT"
fi
cp /etc/resolv.conf "$BROOT/etc/resolv.conf"
printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates" \
  "${SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}" "$SUITE-security" > "$BROOT/etc/apt/sources.list"
mount_basics
in_root apt-get update -q
$NICE chroot "$BROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  apt-get full-upgrade -y -q
if [[ ! -f "$BROOT/.packages-done" ]]; then
  $NICE chroot "$BROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends \
      build-essential pkg-config ca-certificates curl xz-utils binutils file desktop-file-utils \
      libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev uuid-dev libexpat1-dev \
      libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 libx11-6 libx11-xcb1 libxcb1 \
      libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 \
      libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 \
      libxcb-xkb1 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libopengl0 fonts-dejavu-core
  touch "$BROOT/.packages-done"
fi
echo "glibc in the build root: $(in_root ldd --version | head -1)"

say "3. CPython 3.11 (shared) in $PY_PREFIX of the build root: $PY_DEB_SOURCE $PY_DEB_VERSION"
echo "build root's libraries: $(in_root dpkg-query -W -f '${Package} ${Version}, ' \
  libssl1.1 libsqlite3-0 libexpat1 zlib1g libffi7 liblzma5 libbz2-1.0)"
cp "$HERE/check_runtime.py" "$HERE/linux/cpython-source.env" "$BROOT/root/"
py_current() {  # the root's CPython exists and is not older than the pin
  [[ -x "$BROOT$PY_PREFIX/bin/python3.11" ]] \
    && in_root "$PY_PREFIX/bin/python3.11" /root/check_runtime.py /root/cpython-source.env
}
if ! py_current; then
  echo "  (re)building CPython: none in the root yet, or older than the pin"
  DSC="${PY_DEB_SOURCE}_${PY_DEB_VERSION}.dsc"
  DEBIAN_TAR="${PY_DEB_SOURCE}_${PY_DEB_VERSION}.debian.tar.xz"
  ORIG="${PY_DEB_SOURCE}_${PY_DEB_VERSION%-*}.orig.tar.gz"
  for f in "$DSC" "$DEBIAN_TAR" "$ORIG"; do
    if [[ ! -f "$SRC_CACHE/$f" ]]; then
      curl -fsS -o "$SRC_CACHE/$f.part" "$MIRROR/$PY_DEB_POOL/${f//+/%2b}"
      mv "$SRC_CACHE/$f.part" "$SRC_CACHE/$f"
    fi
  done
  printf '%s  %s\n' "$PY_DSC_SHA256" "$DSC" "$PY_DEBIAN_SHA256" "$DEBIAN_TAR" "$PY_ORIG_SHA256" "$ORIG" \
    | (cd "$SRC_CACHE" && sha256sum -c -)
  rm -rf "$BROOT/usr/src/cpython-src" "$BROOT$PY_PREFIX"
  mkdir -p "$BROOT/usr/src/cpython-src"
  cp "$SRC_CACHE/$DSC" "$SRC_CACHE/$DEBIAN_TAR" "$SRC_CACHE/$ORIG" "$HERE/linux/build_cpython.sh" \
    "$BROOT/usr/src/cpython-src/"
  $NICE chroot "$BROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /bin/sh -ec \
    'cd /usr/src/cpython-src && exec sh ./build_cpython.sh "$@"' build_cpython \
    "$DSC" "$PY_PREFIX" "$PY_TAG" "$PY_PATCHES_FROM"
  rm -rf "$BROOT/usr/src/cpython-src"
  py_current || { echo "the CPython just built does not pass the pin check" >&2; exit 1; }
fi
in_root "$PY_PREFIX/bin/python3.11" -c 'import ctypes, lzma, bz2, sys; print("python", sys.version)'
echo "  (CPython ready after $(( $(date +%s) - T0 )) s)"

say "4. build_linux.sh inside the $SUITE root"
mkdir -p "$BROOT/src"
mount --bind "$ROOT" "$BROOT/src"
WHEEL_ENV=()
if [[ -n "${TORCH_WHEEL:-}" ]]; then
  mkdir -p "$BROOT/wheels"
  mount --bind -o ro "$(dirname "$(readlink -f "$TORCH_WHEEL")")" "$BROOT/wheels"
  WHEEL_ENV=(TORCH_WHEEL="/wheels/$(basename "$TORCH_WHEEL")")
fi
mkdir -p "$HERE/build"
echo "$PYSIDE_PIN" > "$HERE/build/oldbase-pins.txt"
if [[ -n "${TORCH_INDEX_URL+x}" ]]; then WHEEL_ENV+=(TORCH_INDEX_URL="$TORCH_INDEX_URL"); fi
# A proxy's CA (pip's PIP_CERT on the host) must be trusted inside the root too.
if [[ -n "${PIP_CERT:-}" && -f "$PIP_CERT" ]]; then
  cp "$PIP_CERT" "$BROOT/etc/pip-cert.pem"
  WHEEL_ENV+=(PIP_CERT=/etc/pip-cert.pem)
fi
[[ -n "${PIP_DEFAULT_TIMEOUT:-}" ]] && WHEEL_ENV+=(PIP_DEFAULT_TIMEOUT="$PIP_DEFAULT_TIMEOUT")
chroot "$BROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 HOME=/root \
  PYTHON="$PY_PREFIX/bin/python3.11" VENV="/src/packaging/build/venv-$SUITE" \
  PIP_CONSTRAINT_EXTRA=/src/packaging/build/oldbase-pins.txt \
  CPYTHON_PIN=/src/packaging/linux/cpython-source.env \
  TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}" DEB_XZ_LEVEL="${DEB_XZ_LEVEL:-1}" \
  GZIP_LEVEL="${GZIP_LEVEL:-1}" SKIP_TARGZ="${SKIP_TARGZ:-0}" SKIP_SMOKE="${SKIP_SMOKE:-0}" \
  ALLOW_NO_STYLES="${ALLOW_NO_STYLES:-0}" \
  NICE="$NICE" "${WHEEL_ENV[@]}" /src/packaging/build_linux.sh
say "built in the $SUITE root in $(( $(date +%s) - T0 )) s (this run)"
