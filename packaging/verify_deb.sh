#!/usr/bin/env bash
# End-to-end check of the .deb in a clean Debian 12 root (run as root, after build_linux.sh):
#   debootstrap (minbase, cached) -> fresh copy -> apt-get install ./nst-desktop_*.deb
#   (--no-install-recommends, so Depends alone must suffice) -> ldd of the Qt xcb plugin ->
#   `nst-desktop --smoke-test` as an ordinary user -> the real window under Xvfb (xcb), screenshot
#   -> apt-get purge -> nothing of the package left.
# Needs on the host: debootstrap, Xvfb, xwd (x11-apps), xdotool, ImageMagick, desktop-file-validate.
# Outputs: packaging/build/verify/*.log, packaging/screenshot-deb.png
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/build"
BASE="$BUILD/bookworm-base"          # debootstrap result, reused between runs
ROOTFS="$BUILD/rootfs"               # a fresh copy per run
OUTDIR="$BUILD/verify"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
DISPLAY_NUM="${DISPLAY_NUM:-77}"
SCREENSHOT="$HERE/screenshot-deb.png"
if [[ -z "${NICE+x}" ]]; then NICE="nice -n 19 ionice -c3"; fi
[[ $(id -u) == 0 ]] || { echo "run as root (debootstrap, chroot, mounts)" >&2; exit 2; }
DEB="$(ls -1 "$HERE"/dist/nst-desktop_*_amd64.deb | tail -1)"
[[ -f "$DEB" ]] || { echo "no .deb in packaging/dist: run packaging/build_linux.sh first" >&2; exit 2; }
mkdir -p "$OUTDIR"
T0=$(date +%s)
say() { printf '\n== %s\n' "$*"; }

MOUNTS=()
XVFB_PID=""
APP_PID=""
unmount_all() {
  local m
  # everything mounted under the rootfs, deepest first (also stale ones from an interrupted run)
  for m in $(awk -v r="$ROOTFS" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
cleanup() {
  [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null || true
  [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
  unmount_all
}
trap cleanup EXIT INT TERM
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }
as_artist() { chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin \
  HOME=/home/artist LANG=C.UTF-8 "$@"; }

say "clean Debian 12 root"
if [[ ! -x "$BASE/bin/sh" ]]; then
  rm -rf "$BASE"
  $NICE debootstrap --variant=minbase bookworm "$BASE" "$MIRROR"
fi
unmount_all
if awk -v r="$ROOTFS" 'index($2, r) == 1' /proc/self/mounts | grep -q .; then
  echo "something is still mounted under $ROOTFS; not deleting it" >&2; exit 1
fi
rm -rf "$ROOTFS"
cp -a "$BASE" "$ROOTFS"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
for m in proc sys dev dev/pts; do
  mkdir -p "$ROOTFS/$m"
  case $m in
    proc) mount -t proc proc "$ROOTFS/proc" ;;
    sys) mount -t sysfs sys "$ROOTFS/sys" ;;
    *) mount --bind "/$m" "$ROOTFS/$m" ;;
  esac
done
in_root useradd -m -s /bin/bash artist
echo "packages in the clean root: $(in_root dpkg-query -W | wc -l)"

# desktop-file-utils first (its only library, libglib2.0-0, is in our Depends anyway): its dpkg
# trigger must register the app for image types when the .deb goes in ("Open with").
in_root apt-get update -q > "$OUTDIR/apt-update.log"
$NICE chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends desktop-file-utils > "$OUTDIR/apt-dfu.log" 2>&1
echo "packages in the clean root (+ desktop-file-utils): $(in_root dpkg-query -W | wc -l)"

say "apt-get install ./$(basename "$DEB") (Depends only, no Recommends)"
cp "$DEB" "$ROOTFS/tmp/"
$NICE chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "/tmp/$(basename "$DEB")" > "$OUTDIR/apt-install.log" 2>&1 \
  || { tail -30 "$OUTDIR/apt-install.log"; exit 1; }
grep -E "^(Setting up|The following NEW)" "$OUTDIR/apt-install.log" | head -3
echo "packages after the install: $(in_root dpkg-query -W | wc -l)"
in_root dpkg -L nst-desktop > "$OUTDIR/dpkg-L.txt"
echo "files and folders listed by dpkg -L: $(wc -l < "$OUTDIR/dpkg-L.txt")"
test -x "$ROOTFS/opt/nst-desktop/nst-desktop"
test -L "$ROOTFS/usr/bin/nst-desktop"
desktop-file-validate "$ROOTFS/usr/share/applications/nst-desktop.desktop" && echo "desktop-file-validate: ok"
MIMECACHE="$ROOTFS/usr/share/applications/mimeinfo.cache"
for t in image/jpeg image/png image/tiff; do
  grep -q "^$t=.*nst-desktop.desktop" "$MIMECACHE" || { echo "FAILED: $t not registered in mimeinfo.cache" >&2; exit 1; }
done
echo "\"Open with\": mimeinfo.cache lists nst-desktop.desktop for image/jpeg, image/png, image/tiff"

say "ldd: does Qt's xcb platform plugin find every library it needs?"
LIBPATH=/opt/nst-desktop/_internal:/opt/nst-desktop/_internal/PySide6/Qt/lib:/opt/nst-desktop/_internal/torch/lib
in_root /bin/sh -c "find /opt/nst-desktop -type f -name '*.so*' | while read -r f; do
    LD_LIBRARY_PATH=$LIBPATH ldd \"\$f\" 2>/dev/null | grep 'not found' | sed \"s|^|\$f: |\"; done" \
  > "$OUTDIR/ldd-not-found.txt" || true
XCB_PLUGIN="$(cd "$ROOTFS" && find opt/nst-desktop -name libqxcb.so | head -1)"
[[ -n "$XCB_PLUGIN" ]] || { echo "libqxcb.so is not in the bundle" >&2; exit 1; }
if grep -E "libqxcb\.so|libQt6XcbQpa|libQt6(Core|Gui|Widgets|Svg|DBus)\.so|xcbglintegrations" "$OUTDIR/ldd-not-found.txt"; then
  echo "FAILED: the xcb plugin or a Qt library it loads misses a system library (above): fix Depends" >&2
  exit 1
fi
echo "xcb plugin and Qt core libraries: every dependency resolved"
echo "unresolved elsewhere (optional plugins, not loaded on X11): $(cut -d: -f1 "$OUTDIR/ldd-not-found.txt" | sort -u | wc -l) files"

say "nst-desktop --smoke-test (as user 'artist', offscreen)"
as_artist QT_QPA_PLATFORM=offscreen /usr/bin/nst-desktop --smoke-test 2>&1 | tee "$OUTDIR/smoke.log"
grep -q "smoke test passed" "$OUTDIR/smoke.log"
as_artist /usr/bin/nst-desktop --version | tee -a "$OUTDIR/smoke.log"

say "the real window on Xvfb (platform xcb), screenshot"
Xvfb ":$DISPLAY_NUM" -screen 0 1440x900x24 -nolisten tcp > "$OUTDIR/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 50); do [[ -S /tmp/.X11-unix/X$DISPLAY_NUM ]] && break; sleep 0.2; done
mkdir -p "$ROOTFS/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$ROOTFS/tmp/.X11-unix"
chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/artist \
  LANG=C.UTF-8 DISPLAY=":$DISPLAY_NUM" QT_QPA_PLATFORM=xcb /usr/bin/nst-desktop > "$OUTDIR/window.log" 2>&1 &
APP_PID=$!
WID=""
for _ in $(seq 120); do
  WID="$(DISPLAY=":$DISPLAY_NUM" xdotool search --onlyvisible --name nst-desktop 2>/dev/null | head -1 || true)"
  [[ -n "$WID" ]] || WID="$(DISPLAY=":$DISPLAY_NUM" xdotool search --onlyvisible --class nst-desktop 2>/dev/null | head -1 || true)"
  [[ -n "$WID" ]] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$OUTDIR/window.log"; echo "the app exited" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$WID" ]] || { cat "$OUTDIR/window.log"; echo "no window appeared within 60 s" >&2; exit 1; }
sleep "${SCREENSHOT_WAIT:-8}"   # let the sample images load and the warm-up settle
kill -0 "$APP_PID" 2>/dev/null || { cat "$OUTDIR/window.log"; echo "the app died" >&2; exit 1; }
DISPLAY=":$DISPLAY_NUM" xdotool getwindowgeometry "$WID" | tee "$OUTDIR/window-geometry.txt"
DISPLAY=":$DISPLAY_NUM" xwd -silent -id "$WID" -out "$OUTDIR/window.xwd" 2>/dev/null \
  || DISPLAY=":$DISPLAY_NUM" xwd -silent -root -out "$OUTDIR/window.xwd"
/usr/bin/convert "$OUTDIR/window.xwd" "$SCREENSHOT"
echo "screenshot: $SCREENSHOT ($(identify -format '%wx%h' "$SCREENSHOT" 2>/dev/null || echo '?'))"
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
kill "$XVFB_PID"; wait "$XVFB_PID" 2>/dev/null || true; XVFB_PID=""
umount "$ROOTFS/tmp/.X11-unix"
if grep -iE "could not (load|find).*plugin|cannot load library|xcb-cursor" "$OUTDIR/window.log"; then
  echo "FAILED: Qt reported a plugin problem (above)" >&2; exit 1
fi

say "apt-get purge -y nst-desktop"
in_root apt-get purge -y -q nst-desktop > "$OUTDIR/apt-purge.log" 2>&1 || { cat "$OUTDIR/apt-purge.log"; exit 1; }
left=0
while read -r p; do
  [[ -z "$p" || "$p" == "/." ]] && continue
  case "$p" in  # folders other packages share
    /opt|/usr|/usr/bin|/usr/share|/usr/share/applications|/usr/share/doc|/usr/share/icons|\
    /usr/share/icons/hicolor|/usr/share/icons/hicolor/*/apps|/usr/share/icons/hicolor/*x*|\
    /usr/share/icons/hicolor/scalable) continue ;;
  esac
  if [[ -e "$ROOTFS$p" || -L "$ROOTFS$p" ]]; then echo "LEFT: $p"; left=$((left + 1)); fi
done < "$OUTDIR/dpkg-L.txt"
for p in /opt/nst-desktop /usr/bin/nst-desktop /usr/share/applications/nst-desktop.desktop \
         /usr/share/doc/nst-desktop /var/lib/dpkg/info/nst-desktop.list; do
  if [[ -e "$ROOTFS$p" || -L "$ROOTFS$p" ]]; then echo "LEFT: $p"; left=$((left + 1)); fi
done
stray="$(cd "$ROOTFS" && find opt usr etc var/lib/dpkg -iname '*nst-desktop*' 2>/dev/null || true)"
[[ -n "$stray" ]] && { echo "LEFT (by name):"; echo "$stray"; left=$((left + 1)); }
if in_root dpkg -s nst-desktop >/dev/null 2>&1; then echo "LEFT: dpkg still knows nst-desktop"; left=$((left + 1)); fi
if grep -q "nst-desktop.desktop" "$MIMECACHE" 2>/dev/null; then
  echo "LEFT: nst-desktop.desktop still in mimeinfo.cache"; left=$((left + 1))
fi
[[ $left == 0 ]] || { echo "FAILED: $left things left after purge" >&2; exit 1; }
echo "nothing of the package is left ($(wc -l < "$OUTDIR/dpkg-L.txt") paths checked);"
echo "the user's own files stay in /home/artist: $(cd "$ROOTFS/home/artist" && find . -mindepth 1 -maxdepth 3 | tr '\n' ' ')"

say "all checks passed in $(( $(date +%s) - T0 )) s"
