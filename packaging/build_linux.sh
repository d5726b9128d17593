#!/usr/bin/env bash
# Build the Linux bundle (onedir), the .deb and the portable .tar.gz.
#
#   packaging/build_linux.sh                 # everything, fast local compression
#   DEB_XZ_LEVEL=6 GZIP_LEVEL=9 packaging/build_linux.sh    # release compression (CI)
#
# Outputs: packaging/dist/nst-desktop/ (the bundle), packaging/dist/nst-desktop_<v>_amd64.deb,
#          packaging/dist/nst-desktop-<v>-linux-x86_64.tar.gz; timings in packaging/build/timings.txt
# Environment:
#   PYTHON          interpreter for the build venv (default python3; needs a shared libpython)
#   VENV            build venv (default packaging/build/venv; created when missing)
#   TORCH_SPEC      torch requirement (default torch==2.13.0)
#   TORCH_INDEX_URL where torch comes from (default https://download.pytorch.org/whl/cpu,
#                   PyTorch's CPU index; PyPI's Linux torch is the CUDA build). Any index works,
#                   also a local one: TORCH_INDEX_URL=file:///path/to/simple
#   TORCH_WHEEL     a torch wheel file to install instead of any index (offline builds), e.g.
#                   TORCH_WHEEL=/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
#   PIP_CONSTRAINT_EXTRA  an extra constraints file for the app's dependencies (build_linux_oldbase.sh
#                   pins PySide6 with it)
#   DEB_XZ_LEVEL    xz level for the .deb (default 1; 6 or 9 for releases)
#   DEB_COMPRESSOR  xz (default) or zstd
#   GZIP_LEVEL      gzip level for the .tar.gz (default 1)
#   SKIP_SMOKE=1    do not run the frozen app's --smoke-test
#   ALLOW_NO_STYLES=1  build even when resources/styles/ has no *.nststyle (packaging tests only)
#   SKIP_TARGZ=1    no .tar.gz
#   NICE            prefix for heavy commands (default: nice -n 19 ionice -c3)
#   CPYTHON_PIN     packaging/linux/cpython-source.env: fail unless the venv's CPython and the
#                   bundled libpython are at least the pinned release (build_linux_oldbase.sh)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$HERE/build/venv}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
DEB_XZ_LEVEL="${DEB_XZ_LEVEL:-1}"
DEB_COMPRESSOR="${DEB_COMPRESSOR:-xz}"
GZIP_LEVEL="${GZIP_LEVEL:-1}"
if [[ -z "${NICE+x}" ]]; then
  NICE="nice -n 19"
  command -v ionice >/dev/null && NICE="$NICE ionice -c3"
fi
DIST="$HERE/dist"
BUILD="$HERE/build"
BUNDLE="$DIST/nst-desktop"
TIMINGS="$BUILD/timings.txt"
mkdir -p "$DIST" "$BUILD"
: > "$TIMINGS"
T0=$(date +%s)
phase_start=$T0
phase() {  # phase NAME: record the time since the previous phase
  local now; now=$(date +%s)
  printf '%-12s %5d s\n' "$1" $((now - phase_start)) | tee -a "$TIMINGS"
  phase_start=$now
}

VERSION="$("$PYTHON" -c 'import re,sys;print(re.search(r"__version__ = \"(.+?)\"", open("nst_desktop/__init__.py").read()).group(1))')"
echo "== nst-desktop $VERSION"

# -- 1. build venv: CPU torch first, then the app's other dependencies, then PyInstaller ------
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)
# torch itself (no dependencies) from PyTorch's CPU index only, never from PyPI (whose Linux torch
# is the CUDA build); its dependencies come from PyPI in the next step.
TORCH_INDEX_URL="${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"
if [[ -n "${TORCH_WHEEL:-}" ]]; then
  echo "torch: $TORCH_WHEEL (TORCH_WHEEL)"
  $NICE "${PIP[@]}" --no-deps "$TORCH_WHEEL"
elif [[ -n "$TORCH_INDEX_URL" ]]; then
  echo "torch: $TORCH_SPEC from $TORCH_INDEX_URL"
  if [[ "$TORCH_INDEX_URL" == http* ]] && command -v curl >/dev/null \
     && ! curl -sfI --max-time 20 "${TORCH_INDEX_URL%/}/torch/" >/dev/null; then
    echo "cannot reach $TORCH_INDEX_URL; without network access to it, point TORCH_WHEEL at a CPU" >&2
    echo "torch wheel file or TORCH_INDEX_URL at a local index (file:///...)" >&2
    exit 2
  fi
  $NICE "${PIP[@]}" --no-deps --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
else  # TORCH_INDEX_URL="" : pip's own configuration decides (only for a machine whose pip
  $NICE "${PIP[@]}" --no-deps "$TORCH_SPEC"  # index holds the CPU wheel; the check below stays)
fi
# `pip install .` must keep that torch: pin it with a constraint so nothing upgrades it.
TORCH_HAVE="$("$VENV/bin/python" -c 'import importlib.metadata as m;print(m.version("torch").split("+")[0])')"
echo "torch==$TORCH_HAVE" > "$BUILD/torch-pin.txt"
EXTRA_C=()
[[ -n "${PIP_CONSTRAINT_EXTRA:-}" ]] && EXTRA_C=(-c "$PIP_CONSTRAINT_EXTRA")
$NICE "${PIP[@]}" -c "$BUILD/torch-pin.txt" "${EXTRA_C[@]}" . "pyinstaller>=6.10"
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md, sys, torch
names = {d.metadata["Name"].lower() for d in md.distributions()}
bad = sorted(n for n in names if n in {"torchvision", "torchaudio", "triton"} or n.startswith("nvidia-"))
if bad:
    sys.exit(f"the build venv must not contain {bad}: they would end up in (or break) the bundle")
if torch.version.cuda is not None:
    sys.exit(f"torch {torch.__version__} is a CUDA build; the bundle carries CPU torch")
print(f"build venv: torch {torch.__version__} (CPU), no torchvision/triton/CUDA packages")
PY
if [[ -n "${CPYTHON_PIN:-}" ]]; then "$VENV/bin/python" "$HERE/check_runtime.py" "$CPYTHON_PIN"; fi
phase venv

# -- 2. the bundle -----------------------------------------------------------------------------
rm -rf "$BUNDLE"
$NICE "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$BUILD/pyinstaller" "$HERE/nst-desktop.spec"
# (torch's own .py files mention triton in their names; those are fine and never import it)
FORBIDDEN="$(find "$BUNDLE" \( -name 'libcuda*' -o -name 'libcudnn*' -o -name 'libnccl*' -o -name 'libcublas*' \
  -o -name 'libcudart*' -o -path "$BUNDLE/_internal/torchvision" -o -path "$BUNDLE/_internal/triton" \
  -o -path "$BUNDLE/_internal/nvidia" -o -name 'torchvision*.so' \))"
if [[ -n "$FORBIDDEN" ]]; then
  echo "CUDA libraries, torchvision or triton found in the bundle:" >&2; echo "$FORBIDDEN" >&2; exit 1
fi
test -f "$BUNDLE/_internal/nst_desktop/resources/weights/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
test -d "$BUNDLE/_internal/nst_desktop/resources/samples/content"
test -f "$BUNDLE/_internal/nst_desktop/resources/presets/balanced.json"
if [[ "${ALLOW_NO_STYLES:-0}" == 1 ]]; then  # packaging tests while resources/styles is being retrained
  ls "$BUNDLE"/_internal/nst_desktop/resources/styles/*.nststyle >/dev/null 2>&1 \
    || echo "WARNING: no built-in fast styles (*.nststyle) in the bundle (ALLOW_NO_STYLES=1)"
else
  test -n "$(ls "$BUNDLE"/_internal/nst_desktop/resources/styles/*.nststyle)"
fi
test -f "$BUNDLE/_internal/nst_desktop/resources/instant/arbitrary_style.safetensors"
test -f "$BUNDLE/_internal/nst_desktop/resources/icons/nst-desktop.svg"
# Trim: CPython's debug info goes; nothing the spec excludes (unused Qt plugins, test folders)
# may come back through a new hook or wheel layout.
"$VENV/bin/python" "$HERE/trim_bundle.py" strip "$BUNDLE"
"$VENV/bin/python" "$HERE/trim_bundle.py" check "$BUNDLE"
if [[ -n "${CPYTHON_PIN:-}" ]]; then
  "$VENV/bin/python" "$HERE/check_runtime.py" "$CPYTHON_PIN" --bundle "$BUNDLE" | tee "$BUILD/runtime.txt"
fi
if ls "$BUNDLE"/_internal/PySide6/Qt/lib/libQt6Network.so* >/dev/null 2>&1; then
  echo "note: libQt6Network is still bundled (something besides the dropped plugins links it)"
fi
# Licences (the spec collected them): every distribution with files in the bundle has its texts,
# plus the Debian copyright of each library taken from the build root; a top-level link for people.
"$VENV/bin/python" "$HERE/collect_licenses.py" --check "$BUNDLE"
ln -sfn _internal/licenses "$BUNDLE/licenses"
test -f "$BUNDLE/licenses/README.txt"
test -f "$BUNDLE/licenses/python-packages/pyside6-essentials-"*/LGPL-3.0.txt
# The libraries every desktop has must come from the system (the spec's SYSTEM_LIBS; Depends:).
"$VENV/bin/python" - "$HERE/nst-desktop.spec" "$BUNDLE/_internal" <<'PY'
import ast, os, re, sys
tree = ast.parse(open(sys.argv[1]).read())
pats = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
            and getattr(n.targets[0], "id", None) == "SYSTEM_LIBS")
# auditwheel's renamed copies inside wheels (libxcb-9065bb12.so.1.1.0 of Pillow) have sonames of
# their own: they cannot shadow a system library.
hashed = re.compile(r"-[0-9a-f]{8}\.so")
bad = sorted(f for f in os.listdir(sys.argv[2]) if f.startswith(pats) and not hashed.search(f))
if bad:
    sys.exit("desktop system libraries in the bundle (they would shadow the system's): " + " ".join(bad))
print(f"no desktop system library bundled ({len(pats)} name patterns); bundled top-level libraries:",
      " ".join(sorted(f for f in os.listdir(sys.argv[2]) if ".so" in f and not f.startswith("lib-dynload"))))
PY
phase pyinstaller

# -- 3. the frozen app's own smoke test ------------------------------------------------------------
if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
  QT_QPA_PLATFORM=offscreen NST_DESKTOP_DATA_DIR="$(mktemp -d)" "$BUNDLE/nst-desktop" --smoke-test
  "$BUNDLE/nst-desktop" --version
fi
phase smoke

# -- 4. the .deb -------------------------------------------------------------------------------
PKG="nst-desktop_${VERSION}_amd64"
STAGE="$BUILD/deb/$PKG"
rm -rf "$BUILD/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/nst-desktop" "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -al "$BUNDLE" "$STAGE/opt/nst-desktop" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/opt/nst-desktop"
ln -s ../../opt/nst-desktop/nst-desktop "$STAGE/usr/bin/nst-desktop"
install -m644 "$HERE/linux/nst-desktop.desktop" "$STAGE/usr/share/applications/nst-desktop.desktop"
install -m644 resources/icons/nst-desktop.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/nst-desktop.svg"
for s in 16 24 32 48 64 128 256 512; do
  install -Dm644 "resources/icons/nst-desktop-$s.png" "$STAGE/usr/share/icons/hicolor/${s}x${s}/apps/nst-desktop.png"
  install -Dm644 "resources/icons/nst-desktop-$s.png" \
    "$STAGE/usr/share/icons/hicolor/${s}x${s}/mimetypes/application-x-nststyle.png"
done
# .nststyle as a file type: shared-mime-info picks the package up through its dpkg trigger on
# /usr/share/mime/packages; the icon is the app's, under the MIME type's icon name.
install -Dm644 "$HERE/linux/nst-desktop-mime.xml" "$STAGE/usr/share/mime/packages/nst-desktop.xml"
install -Dm644 resources/icons/nst-desktop.svg \
  "$STAGE/usr/share/icons/hicolor/scalable/mimetypes/application-x-nststyle.svg"
install -m644 "$HERE/linux/copyright" "$STAGE/usr/share/doc/nst-desktop/copyright"
# Oldest glibc the bundle's ELF files need (the bootloader, libpython, Qt, torch ...).
GLIBC="$(find "$BUNDLE" -type f \( -name '*.so*' -o -name nst-desktop \) -exec objdump -T {} + 2>/dev/null \
  | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
GLIBCXX="$(find "$BUNDLE" -type f -name '*.so*' -exec objdump -T {} + 2>/dev/null \
  | grep -o 'GLIBCXX_[0-9.]*' | sed 's/GLIBCXX_//' | sort -uV | tail -1)"
INSTALLED_SIZE="$(du -sk --apparent-size "$STAGE" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" -e "s/@GLIBC@/${GLIBC:-2.34}/" \
  "$HERE/linux/control.in" > "$STAGE/DEBIAN/control"
chmod -R u+rwX,go+rX,go-w "$STAGE"
# DEBIAN/md5sums: what dpkg --verify and debsums check the installed files against.
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
  | xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/md5sums"
# The .desktop file must validate (errors stop the build; the validator must be installed).
command -v desktop-file-validate >/dev/null \
  || { echo "desktop-file-validate is missing (apt-get install desktop-file-utils)" >&2; exit 1; }
desktop-file-validate "$STAGE/usr/share/applications/nst-desktop.desktop" \
  || { echo "desktop-file-validate failed on packaging/linux/nst-desktop.desktop" >&2; exit 1; }
DEB="$DIST/$PKG.deb"
rm -f "$DIST"/nst-desktop_*_amd64.deb
if [[ "$DEB_COMPRESSOR" == zstd ]]; then
  $NICE dpkg-deb --root-owner-group -Zzstd -z"${DEB_ZSTD_LEVEL:-3}" --build "$STAGE" "$DEB"
else
  $NICE dpkg-deb --root-owner-group -Zxz -z"$DEB_XZ_LEVEL" --build "$STAGE" "$DEB"
fi
phase deb

# -- 5. the portable .tar.gz (the same folder) --------------------------------------------------
if [[ "${SKIP_TARGZ:-0}" != 1 ]]; then
  TGZ="$DIST/nst-desktop-${VERSION}-linux-x86_64.tar.gz"
  rm -f "$DIST"/nst-desktop-*-linux-x86_64.tar.gz
  $NICE tar -C "$DIST" --owner=0 --group=0 -cf - nst-desktop | $NICE gzip -"$GZIP_LEVEL" > "$TGZ"
fi
phase tar.gz

# -- summary -----------------------------------------------------------------------------------
{
  printf 'total        %5d s\n' $(( $(date +%s) - T0 ))
  echo "bundle  $(du -sh --apparent-size "$BUNDLE" | cut -f1)  ($(du -sb "$BUNDLE" | cut -f1) bytes)"
  echo "deb     $(du -h --apparent-size "$DEB" | cut -f1)  ($(stat -c%s "$DEB") bytes, $DEB_COMPRESSOR)"
  [[ -f "${TGZ:-}" ]] && echo "tar.gz  $(du -h --apparent-size "$TGZ" | cut -f1)  ($(stat -c%s "$TGZ") bytes, gzip -$GZIP_LEVEL)"
  echo "glibc   >= ${GLIBC:-?}   libstdc++ >= GLIBCXX_${GLIBCXX:-?}   (build root: $(ldd --version | head -1))"
} | tee -a "$TIMINGS"
