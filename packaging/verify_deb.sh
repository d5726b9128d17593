#!/usr/bin/env bash
# End-to-end check of ONE .deb in clean Debian roots (run as root, after build_linux.sh or
# build_linux_oldbase.sh):
#
#   sudo packaging/verify_deb.sh                       # Debian 12 (bookworm)
#   sudo packaging/verify_deb.sh bullseye bookworm trixie   # Debian 11, 12 and 13, one after another
#
# Per suite: debootstrap (minbase, cached) -> fresh copy -> apt-get install ./nst-desktop_*.deb
#   (--no-install-recommends, so Depends alone must suffice) -> ldd of the Qt xcb plugin ->
#   `nst-desktop --smoke-test` as an ordinary user -> the real window on a private Xvfb (xcb),
#   found by the app's pid, screenshot -> apt-get purge -> nothing of the package left.
# Needs on the host: debootstrap, Xvfb, xwd (x11-apps), xdotool, ImageMagick (/usr/bin/convert),
# desktop-file-validate.
# Outputs: packaging/build/verify/<suite>/*.log, packaging/screenshots/deb-<suite>.png
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/build"
ROOTS="$BUILD/roots"                 # <suite>-base: debootstrap results, reused between runs
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SHOTS="$HERE/screenshots"
if [[ -z "${NICE+x}" ]]; then NICE="nice -n 19 ionice -c3"; fi
[[ $(id -u) == 0 ]] || { echo "run as root (debootstrap, chroot, mounts)" >&2; exit 2; }
for tool in debootstrap Xvfb xwd xdotool /usr/bin/convert /usr/bin/identify desktop-file-validate; do
  command -v "$tool" >/dev/null || { echo "needs $tool on the host" >&2; exit 2; }
done
DEB="$(ls -1 "$HERE"/dist/nst-desktop_*_amd64.deb 2>/dev/null | tail -1 || true)"
[[ -f "$DEB" ]] || { echo "no .deb in packaging/dist: run packaging/build_linux.sh first" >&2; exit 2; }
SUITES=("$@")
[[ ${#SUITES[@]} -gt 0 ]] || SUITES=(bookworm)
for SUITE in "${SUITES[@]}"; do
  case $SUITE in
    bullseye|bookworm|trixie|forky|sid) ;;
    *) echo "unknown suite '$SUITE' (bullseye, bookworm, trixie)" >&2; exit 2 ;;
  esac
done
mkdir -p "$ROOTS" "$SHOTS"
T0=$(date +%s)
say() { printf '\n== %s\n' "$*"; }

ROOTFS=""
XVFB_PID=""
APP_PID=""
unmount_all() {
  local m
  [[ -n "$ROOTFS" ]] || return 0
  # everything mounted under the rootfs, deepest first (also stale ones from an interrupted run)
  for m in $(awk -v r="$ROOTFS/" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
cleanup() {
  if [[ -n "$APP_PID" ]]; then kill "$APP_PID" 2>/dev/null || true; fi
  if [[ -n "$XVFB_PID" ]]; then kill "$XVFB_PID" 2>/dev/null || true; fi
  unmount_all
}
trap cleanup EXIT INT TERM
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }
as_artist() { chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin \
  HOME=/home/artist LANG=C.UTF-8 "$@"; }
fail() { echo "FAILED ($SUITE): $*" >&2; exit 1; }

verify_suite() {
  local t0 base outdir shot left p t wid display_num
  t0=$(date +%s)
  base="$ROOTS/$SUITE-base"
  ROOTFS="$ROOTS/$SUITE-verify"
  outdir="$BUILD/verify/$SUITE"
  shot="$SHOTS/deb-$SUITE.png"
  rm -rf "$outdir"; mkdir -p "$outdir"

  say "[$SUITE] clean root"
  if [[ ! -x "$base/bin/sh" ]]; then
    rm -rf "$base.tmp"
    $NICE debootstrap --variant=minbase "$SUITE" "$base.tmp" "$MIRROR" > "$outdir/debootstrap.log"
    mv "$base.tmp" "$base"
  fi
  unmount_all
  if awk -v r="$ROOTFS/" 'index($2, r) == 1' /proc/self/mounts | grep -q .; then
    fail "something is still mounted under $ROOTFS; not deleting it"
  fi
  if awk -v r="$base/" 'index($2, r) == 1' /proc/self/mounts | grep -q .; then
    fail "something is mounted under $base (a debootstrap that was interrupted?); unmount it first"
  fi
  rm -rf "$ROOTFS"
  cp -a "$base" "$ROOTFS"
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
  echo "$(. "$ROOTFS/etc/os-release"; echo "$PRETTY_NAME"), $(in_root ldd --version | head -1)" | tee "$outdir/distro.txt"
  echo "packages in the clean root: $(in_root dpkg-query -W | wc -l)"

  # desktop-file-utils first (its only library, libglib2.0-0, is in our Depends anyway): its dpkg
  # trigger must register the app for image types when the .deb goes in ("Open with").
  in_root apt-get update -q > "$outdir/apt-update.log"
  $NICE chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends desktop-file-utils > "$outdir/apt-dfu.log" 2>&1
  echo "packages in the clean root (+ desktop-file-utils): $(in_root dpkg-query -W | wc -l)"

  say "[$SUITE] apt-get install ./$(basename "$DEB") (Depends only, no Recommends)"
  cp "$DEB" "$ROOTFS/tmp/"
  $NICE chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "/tmp/$(basename "$DEB")" > "$outdir/apt-install.log" 2>&1 \
    || { tail -30 "$outdir/apt-install.log"; fail "apt-get install"; }
  rm -f "$ROOTFS/tmp/$(basename "$DEB")"
  grep -E "newly installed" "$outdir/apt-install.log" || true
  echo "packages after the install: $(in_root dpkg-query -W | wc -l)"
  in_root dpkg -L nst-desktop > "$outdir/dpkg-L.txt"
  echo "files and folders listed by dpkg -L: $(wc -l < "$outdir/dpkg-L.txt")"
  test -x "$ROOTFS/opt/nst-desktop/nst-desktop" || fail "/opt/nst-desktop/nst-desktop missing"
  test -L "$ROOTFS/usr/bin/nst-desktop" || fail "/usr/bin/nst-desktop missing"
  desktop-file-validate "$ROOTFS/usr/share/applications/nst-desktop.desktop" || fail "desktop-file-validate"
  echo "desktop-file-validate: ok"
  MIMECACHE="$ROOTFS/usr/share/applications/mimeinfo.cache"
  for t in image/jpeg image/png image/tiff; do
    grep -q "^$t=.*nst-desktop.desktop" "$MIMECACHE" || fail "$t not registered in mimeinfo.cache"
  done
  echo "\"Open with\": mimeinfo.cache lists nst-desktop.desktop for image/jpeg, image/png, image/tiff"
  grep -q "^application/x-nststyle=.*nst-desktop.desktop" "$MIMECACHE" || fail "application/x-nststyle not in mimeinfo.cache"
  test -f "$ROOTFS/usr/share/mime/packages/nst-desktop.xml" || fail "the .nststyle MIME type is not installed"
  echo ".nststyle: /usr/share/mime/packages/nst-desktop.xml, \"Open with\" registered for application/x-nststyle"
  # Licences (issue 19): the bundle's licenses/ folder, Qt's LGPL among them, and the copyright file.
  test -f "$ROOTFS/opt/nst-desktop/licenses/README.txt" || fail "/opt/nst-desktop/licenses/README.txt missing"
  ls "$ROOTFS"/opt/nst-desktop/licenses/python-packages/pyside6-essentials-*/LGPL-3.0.txt >/dev/null \
    || fail "Qt's LGPL-3.0 text is not in /opt/nst-desktop/licenses"
  ls "$ROOTFS"/opt/nst-desktop/licenses/CPython-*/LICENSE.txt >/dev/null || fail "CPython's licence missing"
  echo "licences: $(grep -c '^[^ ]' "$ROOTFS/opt/nst-desktop/licenses/README.txt") index lines in /opt/nst-desktop/licenses"
  # Runtime (issue 19): the bundled libpython carries the patch revision it was built from (its
  # build tag), not older than the pin; pyexpat uses the system's libexpat, not a bundled copy.
  py_tag="$(grep -aoE 'debian-3\.[0-9]+\.[0-9]+-[0-9A-Za-z.+~]+' "$ROOTFS"/opt/nst-desktop/_internal/libpython3*.so* \
    | head -1 || true)"
  py_min="$(sed -n 's/^PY_MIN_DEBIAN=//p' "$HERE/linux/cpython-source.env")"
  [[ -n "$py_tag" ]] || fail "the bundled libpython carries no patch revision (build tag)"
  dpkg --compare-versions "${py_tag#debian-}" ge "$py_min" \
    || fail "the bundled CPython is $py_tag, older than the pinned $py_min"
  expat="$(in_root /bin/sh -c 'ldd $(find /opt/nst-desktop/_internal -path "*lib-dynload/pyexpat*.so")' \
    | grep libexpat || true)"
  [[ "$expat" == *"=> /lib/"* || "$expat" == *"=> /usr/lib/"* ]] || fail "pyexpat does not use the system's libexpat: $expat"
  echo "runtime: CPython $py_tag (pinned >= $py_min); pyexpat uses the system's libexpat" \
    "$(in_root dpkg-query -W -f '${Version}' libexpat1)" | tee "$outdir/runtime.txt"

  say "[$SUITE] ldd: does Qt's xcb platform plugin find every library it needs, from the system?"
  LIBPATH=/opt/nst-desktop/_internal:/opt/nst-desktop/_internal/PySide6/Qt/lib:/opt/nst-desktop/_internal/torch/lib
  in_root /bin/sh -c "find /opt/nst-desktop -type f -name '*.so*' | while read -r f; do
      LD_LIBRARY_PATH=$LIBPATH ldd \"\$f\" 2>/dev/null | grep 'not found' | sed \"s|^|\$f: |\"; done" \
    > "$outdir/ldd-not-found.txt" || true
  XCB_PLUGIN="$(cd "$ROOTFS" && find opt/nst-desktop -name libqxcb.so | head -1)"
  [[ -n "$XCB_PLUGIN" ]] || fail "libqxcb.so is not in the bundle"
  if grep -E "libqxcb\.so|libQt6XcbQpa|libQt6(Core|Gui|Widgets|Svg|DBus)\.so|xcbglintegrations|libpython|torch/lib/libtorch" "$outdir/ldd-not-found.txt"; then
    fail "the xcb plugin, Qt, Python or torch misses a system library (above): fix Depends"
  fi
  # the desktop libraries must come from the system, not from the bundle
  in_root /usr/bin/env LD_LIBRARY_PATH=$LIBPATH ldd "/$XCB_PLUGIN" > "$outdir/ldd-qxcb.txt" 2>&1 || true
  if grep -E "lib(glib-2\.0|stdc\+\+|gcc_s|xcb|X11|fontconfig|freetype|dbus-1|GL|EGL)[^ ]* => /opt/" "$outdir/ldd-qxcb.txt"; then
    fail "a desktop system library resolves into the bundle (above)"
  fi
  echo "xcb plugin and Qt libraries: every dependency resolved; glib, libstdc++, xcb, X11, fontconfig, GL from the system:"
  grep -E "lib(glib-2\.0|stdc\+\+|xcb-cursor|fontconfig|GL)\.so" "$outdir/ldd-qxcb.txt" | sed 's/ (0x.*//; s/^/  /'
  echo "unresolved elsewhere (optional plugins, not loaded on X11): $(cut -d: -f1 "$outdir/ldd-not-found.txt" | sort -u | wc -l) files"

  say "[$SUITE] nst-desktop --smoke-test (as user 'artist', offscreen)"
  as_artist QT_QPA_PLATFORM=offscreen /usr/bin/nst-desktop --smoke-test 2>&1 | tee "$outdir/smoke.log"
  grep -q "smoke test passed" "$outdir/smoke.log" || fail "smoke test"
  as_artist /usr/bin/nst-desktop --version | tee -a "$outdir/smoke.log"
  [[ ! -e "$ROOTFS/home/artist/.local/share/nst-desktop/session" ]] \
    || fail "the smoke test wrote into the artist's history (session folder)"

  say "[$SUITE] opening a .nststyle with the installed app imports it (as 'artist', offscreen)"
  styles_dir="$ROOTFS/home/artist/.local/share/nst-desktop/styles"
  # A renamed copy of a built-in style (its own name would ask replace / keep both in a dialog),
  # made with the CLI: import under a new name, export, delete; then the app opens the export.
  cp "$ROOTFS"/opt/nst-desktop/_internal/nst_desktop/resources/styles/string.nststyle "$ROOTFS/tmp/friend.nststyle"
  chmod 644 "$ROOTFS/tmp/friend.nststyle"
  as_artist QT_QPA_PLATFORM=offscreen /usr/bin/nst-desktop styles import /tmp/friend.nststyle --name "From a friend" \
    > "$outdir/open-style.log" 2>&1 || fail "styles import (see $outdir/open-style.log)"
  as_artist /usr/bin/nst-desktop styles export "From a friend" /tmp/from-a-friend.nststyle >> "$outdir/open-style.log" 2>&1 \
    || fail "styles export"
  as_artist /usr/bin/nst-desktop styles delete "From a friend" >> "$outdir/open-style.log" 2>&1 || fail "styles delete"
  # chroot and env exec, so $! is the app's own pid and the kill below reaches it (SIGTERM: it
  # closes the window as a Ctrl-C would).
  chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/artist \
    LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen /usr/bin/nst-desktop /tmp/from-a-friend.nststyle \
    >> "$outdir/open-style.log" 2>&1 &
  OPEN_PID=$!
  for _ in $(seq 120); do ls "$styles_dir"/*.nststyle >/dev/null 2>&1 && break; sleep 0.5; done
  kill "$OPEN_PID" 2>/dev/null || true
  wait "$OPEN_PID" 2>/dev/null || true
  ls "$styles_dir"/from-a-friend.nststyle >/dev/null 2>&1 || { cat "$outdir/open-style.log"; fail "opening a .nststyle did not import it"; }
  echo ".nststyle opened with the app: imported as $(basename "$(ls "$styles_dir"/*.nststyle)")"

  say "[$SUITE] the real window on a private Xvfb (platform xcb), found by pid, screenshot"
  # -displayfd: Xvfb picks a display number nobody holds and reports it when it is ready, so we
  # never talk to (or screenshot) a display that belongs to another program.
  rm -f "$outdir/xvfb.display"
  Xvfb -displayfd 5 -screen 0 1440x900x24 -nolisten tcp 5> "$outdir/xvfb.display" > "$outdir/xvfb.log" 2>&1 &
  XVFB_PID=$!
  for _ in $(seq 100); do [[ -s "$outdir/xvfb.display" ]] && break; kill -0 "$XVFB_PID" 2>/dev/null || break; sleep 0.2; done
  display_num="$(tr -dc '0-9' < "$outdir/xvfb.display")"
  [[ -n "$display_num" ]] || { cat "$outdir/xvfb.log"; fail "Xvfb did not start"; }
  [[ -S /tmp/.X11-unix/X$display_num ]] || fail "no socket for Xvfb's display :$display_num"
  echo "Xvfb (pid $XVFB_PID) on its own display :$display_num"
  mkdir -p "$ROOTFS/tmp/.X11-unix"
  mount --bind /tmp/.X11-unix "$ROOTFS/tmp/.X11-unix"
  chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/artist \
    LANG=C.UTF-8 DISPLAY=":$display_num" QT_QPA_PLATFORM=xcb /usr/bin/nst-desktop > "$outdir/window.log" 2>&1 &
  APP_PID=$!   # chroot and env exec, so this is the app's own pid (its _NET_WM_PID)
  wid=""
  for _ in $(seq 120); do
    wid="$(DISPLAY=":$display_num" xdotool search --all --onlyvisible --pid "$APP_PID" --name nst-desktop 2>/dev/null | head -1 || true)"
    [[ -n "$wid" ]] && break
    kill -0 "$APP_PID" 2>/dev/null || { cat "$outdir/window.log"; fail "the app exited"; }
    sleep 0.5
  done
  [[ -n "$wid" ]] || { cat "$outdir/window.log"; fail "no window of pid $APP_PID appeared within 60 s"; }
  [[ "$(DISPLAY=":$display_num" xdotool getwindowpid "$wid")" == "$APP_PID" ]] || fail "window $wid is not the app's"
  sleep "${SCREENSHOT_WAIT:-8}"   # let the sample images load and the warm-up settle
  kill -0 "$APP_PID" 2>/dev/null || { cat "$outdir/window.log"; fail "the app died"; }
  { echo "window $wid of pid $APP_PID: $(DISPLAY=":$display_num" xdotool getwindowname "$wid")";
    DISPLAY=":$display_num" xdotool getwindowgeometry "$wid"; } | tee "$outdir/window-geometry.txt"
  DISPLAY=":$display_num" xwd -silent -id "$wid" -out "$outdir/window.xwd" || fail "xwd"
  /usr/bin/convert "$outdir/window.xwd" -strip "$shot"
  local spread
  spread="$(/usr/bin/convert "$shot" -format '%[fx:standard_deviation]' info:)"
  echo "screenshot: $shot ($(/usr/bin/identify -format '%wx%h' "$shot"), brightness spread $spread)"
  awk -v s="$spread" 'BEGIN { exit !(s > 0.02) }' || fail "the screenshot is blank"
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
  if grep -iE "could not (load|find).*plugin|cannot load library|xcb-cursor|failed to load|undefined symbol|version .GLIB" "$outdir/window.log"; then
    fail "Qt reported a plugin or library problem (above)"
  fi
  echo "Qt's log of the window run: $(grep -c . "$outdir/window.log") lines, no plugin or library errors"

  if [[ "${GTK3_CHECK:-1}" == 1 ]]; then
    # The GTK3 platform theme (what a GNOME desktop gets) loads the system's GTK, which needs the
    # system's glib and libstdc++: a bundled older copy would break it (seen on Debian 13).
    say "[$SUITE] with the system's GTK 3: Qt's gtk3 platform theme must load"
    $NICE chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      /bin/sh -c 'apt-get install -y -q --no-install-recommends libgtk-3-0t64 || apt-get install -y -q --no-install-recommends libgtk-3-0' \
      > "$outdir/apt-gtk3.log" 2>&1 || { tail -20 "$outdir/apt-gtk3.log"; fail "installing GTK 3"; }
    chroot --userspec=artist:artist "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/artist \
      LANG=C.UTF-8 DISPLAY=":$display_num" QT_QPA_PLATFORM=xcb QT_QPA_PLATFORMTHEME=gtk3 QT_DEBUG_PLUGINS=1 \
      /usr/bin/nst-desktop > "$outdir/window-gtk3.log" 2>&1 &
    APP_PID=$!
    wid=""
    for _ in $(seq 120); do
      wid="$(DISPLAY=":$display_num" xdotool search --all --onlyvisible --pid "$APP_PID" --name nst-desktop 2>/dev/null | head -1 || true)"
      [[ -n "$wid" ]] && break
      kill -0 "$APP_PID" 2>/dev/null || { tail -20 "$outdir/window-gtk3.log"; fail "the app exited (gtk3 theme)"; }
      sleep 0.5
    done
    [[ -n "$wid" ]] || { tail -20 "$outdir/window-gtk3.log"; fail "no window with the gtk3 theme"; }
    sleep 3
    DISPLAY=":$display_num" xwd -silent -id "$wid" -out "$outdir/window-gtk3.xwd" && /usr/bin/convert "$outdir/window-gtk3.xwd" -strip "$outdir/window-gtk3.png" || true
    kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
    if grep -iE "cannot load library .*(qgtk3|gtk)|undefined symbol|version .(GLIBC|GLIBCXX|CXXABI)|not found \(required by" "$outdir/window-gtk3.log"; then
      fail "the gtk3 platform theme did not load (above)"
    fi
    grep -qiE 'libqgtk3\.so"? loaded library|loaded library.*libqgtk3\.so' "$outdir/window-gtk3.log" \
      || { grep -i gtk "$outdir/window-gtk3.log" | tail -5; fail "no sign that libqgtk3.so was loaded"; }
    echo "gtk3 platform theme: $(grep -iE 'libqgtk3' "$outdir/window-gtk3.log" | tail -1 | cut -c1-160)"
    echo "with GTK $(in_root dpkg-query -W -f '${Version}' 'libgtk-3-0*' 2>/dev/null | head -c 40), no library errors"
  fi
  kill "$XVFB_PID"; wait "$XVFB_PID" 2>/dev/null || true; XVFB_PID=""
  umount "$ROOTFS/tmp/.X11-unix"

  say "[$SUITE] apt-get purge -y nst-desktop"
  in_root apt-get purge -y -q nst-desktop > "$outdir/apt-purge.log" 2>&1 || { cat "$outdir/apt-purge.log"; fail "purge"; }
  left=0
  while read -r p; do
    [[ -z "$p" || "$p" == "/." ]] && continue
    case "$p" in  # folders other packages share
      /opt|/usr|/usr/bin|/usr/share|/usr/share/applications|/usr/share/doc|/usr/share/icons|\
      /usr/share/icons/hicolor|/usr/share/icons/hicolor/*/apps|/usr/share/icons/hicolor/*x*|\
      /usr/share/icons/hicolor/scalable) continue ;;
    esac
    # a folder another installed package owns too stays (/usr/share/mime of shared-mime-info,
    # hicolor-icon-theme's mimetypes folders, both pulled in with GTK 3 above)
    if [[ -d "$ROOTFS$p" && ! -L "$ROOTFS$p" ]] && in_root dpkg -S "$p" >/dev/null 2>&1; then continue; fi
    if [[ -e "$ROOTFS$p" || -L "$ROOTFS$p" ]]; then echo "LEFT: $p"; left=$((left + 1)); fi
  done < "$outdir/dpkg-L.txt"
  for p in /opt/nst-desktop /usr/bin/nst-desktop /usr/share/applications/nst-desktop.desktop \
           /usr/share/doc/nst-desktop /var/lib/dpkg/info/nst-desktop.list; do
    if [[ -e "$ROOTFS$p" || -L "$ROOTFS$p" ]]; then echo "LEFT: $p"; left=$((left + 1)); fi
  done
  stray="$(cd "$ROOTFS" && find opt usr etc var/lib/dpkg -iname '*nst-desktop*' 2>/dev/null || true)"
  if [[ -n "$stray" ]]; then echo "LEFT (by name):"; echo "$stray"; left=$((left + 1)); fi
  if in_root dpkg -s nst-desktop >/dev/null 2>&1; then echo "LEFT: dpkg still knows nst-desktop"; left=$((left + 1)); fi
  if grep -q "nst-desktop.desktop" "$MIMECACHE" 2>/dev/null; then
    echo "LEFT: nst-desktop.desktop still in mimeinfo.cache"; left=$((left + 1))
  fi
  [[ $left == 0 ]] || fail "$left things left after purge"
  echo "nothing of the package is left ($(wc -l < "$outdir/dpkg-L.txt") paths checked);"
  echo "the user's own files stay in /home/artist: $(cd "$ROOTFS/home/artist" && find . -mindepth 1 -maxdepth 3 | tr '\n' ' ')"
  unmount_all
  if awk -v r="$ROOTFS/" 'index($2, r) == 1' /proc/self/mounts | grep -q .; then
    fail "mounts left under $ROOTFS"
  fi
  rm -rf "$ROOTFS"
  say "[$SUITE] all checks passed in $(( $(date +%s) - t0 )) s"
  echo "$SUITE: passed in $(( $(date +%s) - t0 )) s; $(cat "$outdir/distro.txt")" >> "$BUILD/verify/summary.txt"
}

mkdir -p "$BUILD/verify"
: > "$BUILD/verify/summary.txt"
echo "package: $(basename "$DEB") ($(stat -c%s "$DEB") bytes), $(dpkg-deb -f "$DEB" Depends | grep -o 'libc6 ([^)]*)')"
for SUITE in "${SUITES[@]}"; do
  verify_suite
done
say "every suite passed (${SUITES[*]}) in $(( $(date +%s) - T0 )) s"
cat "$BUILD/verify/summary.txt"
