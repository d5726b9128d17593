#!/bin/sh
# Compile CPython from a Debian source package, inside the build root (build_linux_oldbase.sh
# copies this script, the pin and the package's three files into /usr/src/cpython-src and runs it
# there through chroot). Kept apart from the caller so that nothing here is quoted twice.
#
#   build_cpython.sh DSC PREFIX TAG PATCHES_FROM
#
# DSC: the .dsc in the current folder (dpkg-source checks the other two files against its
# checksums). Upstream's tree is unpacked without Debian's patches; then only the series from
# PATCHES_FROM to the end is applied: Debian's backports of upstream's security fixes. The patches
# before it adapt Python to Debian's own layout (dist-packages, ensurepip disabled, multiarch
# names ...), which a private --prefix build must not have. TAG becomes the interpreter's build
# tag (sys._git, sys.version), which check_runtime.py compares against the pin.
# Expat is the system's (--with-system-expat): the bundle does not carry libexpat (the spec's
# SYSTEM_LIBS), so the frozen pyexpat uses the user's patched library, not a frozen copy.
set -eu
DSC="$1" PREFIX="$2" TAG="$3" PATCHES_FROM="$4"
LOGS=/usr/src
rm -rf /usr/src/cpython
dpkg-source --skip-patches -x "$DSC" /usr/src/cpython > "$LOGS/cpython-unpack.log"
cd /usr/src/cpython
sed -n "/^${PATCHES_FROM}\$/,\$p" debian/patches/series > "$LOGS/cpython-patches.txt"
test -s "$LOGS/cpython-patches.txt" || { echo "$PATCHES_FROM is not in debian/patches/series" >&2; exit 1; }
while read -r p; do
  patch -p1 -N --fuzz=0 --no-backup-if-mismatch -s -i "debian/patches/$p"
done < "$LOGS/cpython-patches.txt"
echo "  applied $(wc -l < "$LOGS/cpython-patches.txt") of $(grep -c . debian/patches/series) Debian patches (from $PATCHES_FROM)"
# Debian links pyexpat into libpython (Py_BUILD_CORE_BUILTIN), so its backport of the
# CVE-2026-4224 fix includes an internal header (pycore_ceval.h) without the marker upstream puts
# first in a module built as a shared extension, as here; without it pyexpat fails to compile
# ("this header requires Py_BUILD_CORE define") and the install stops. Add upstream's marker.
if grep -q '^#include "pycore_' Modules/pyexpat.c && ! grep -q 'Py_BUILD_CORE' Modules/pyexpat.c; then
  sed -i '1i #ifndef Py_BUILD_CORE_BUILTIN\n#  define Py_BUILD_CORE_MODULE 1\n#endif' Modules/pyexpat.c
  echo "  pyexpat.c: marked a core module (Py_BUILD_CORE_MODULE), as upstream does"
fi
./configure --prefix="$PREFIX" --enable-shared --with-ensurepip=install --with-system-expat \
  LDFLAGS="-Wl,-rpath,$PREFIX/lib" > "$LOGS/cpython-configure.log"
make -j"$(nproc)" GITTAG="echo $TAG" > "$LOGS/cpython-make.log" 2>&1
make install GITTAG="echo $TAG" > "$LOGS/cpython-install.log" 2>&1
cd /
rm -rf /usr/src/cpython
