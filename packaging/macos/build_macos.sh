#!/usr/bin/env bash
# macOS (Apple Silicon): the .app from packaging/nst-desktop.spec, signed with the hardened
# runtime, inside a .dmg that is notarised and stapled. Run from anywhere on a Mac with Xcode's
# command-line tools and Python 3.10+ (arm64). The app needs macOS 14 (Sonoma) or later on Apple
# Silicon: the arm64 torch and PySide6 wheels are built for 14.0 (LSMinimumSystemVersion 14.0).
#
# Signing and notarisation are driven by the environment; without it they are skipped and the
# result is an unsigned .dmg (Gatekeeper then needs right-click > Open on first launch):
#   SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)"  (in the keychain)
#   APPLE_ID        the Apple ID e-mail used for notarisation
#   TEAM_ID         the 10-character team ID
#   APP_PASSWORD    an app-specific password for that Apple ID
# Optional: PYTHON (default python3), VENV (default packaging/build/venv-macos),
#           TORCH_SPEC (default torch: the regular macOS wheel, which has MPS),
#           SKIP_SMOKE=1.
# Output: packaging/dist/nst-desktop.app, packaging/dist/nst-desktop-<version>-macos-arm64.dmg
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$HERE/build/venv-macos}"
DIST="$HERE/dist"
APP="$DIST/nst-desktop.app"
ENTITLEMENTS="$HERE/macos/entitlements.plist"
VERSION="$("$PYTHON" -c 'import re;print(re.search(r"__version__ = \"(.+?)\"", open("nst_desktop/__init__.py").read()).group(1))')"
DMG="$DIST/nst-desktop-$VERSION-macos-arm64.dmg"

[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "${TORCH_SPEC:-torch}"
TORCH_HAVE="$("$VENV/bin/python" -c 'import torch;print(torch.__version__.split("+")[0])')"
mkdir -p "$HERE/build"
echo "torch==$TORCH_HAVE" > "$HERE/build/torch-pin.txt"   # `pip install .` must keep this torch
"$VENV/bin/python" -m pip install -q -c "$HERE/build/torch-pin.txt" . "pyinstaller>=6.10"
"$VENV/bin/python" -c 'import torch; print("torch", torch.__version__, "MPS built:", torch.backends.mps.is_built())'

rm -rf "$APP" "$DIST/nst-desktop"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$HERE/build/pyinstaller" "$HERE/nst-desktop.spec"
# The spec collected the licences (Contents/Resources/licenses); none may be missing.
"$VENV/bin/python" "$HERE/collect_licenses.py" --check "$APP"
/usr/libexec/PlistBuddy -c 'Print :NSHighResolutionCapable' "$APP/Contents/Info.plist"
# LSMinimumSystemVersion must not promise less than the newest "minos" of any Mach-O file in the
# .app (torch's and Qt's arm64 wheels: macOS 14), or an older macOS shows a broken app.
MIN_PLIST="$(/usr/libexec/PlistBuddy -c 'Print :LSMinimumSystemVersion' "$APP/Contents/Info.plist")"
MIN_MACHO="$(find "$APP/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) -print0 |
  xargs -0 otool -l 2>/dev/null | awk '/LC_BUILD_VERSION/{b=1} b&&$1=="minos"{print $2; b=0}
                                        /LC_VERSION_MIN_MACOSX/{v=1} v&&$1=="version"{print $2; v=0}' |
  sort -t. -k1,1n -k2,2n | tail -1)"
echo "LSMinimumSystemVersion $MIN_PLIST; newest Mach-O minos in the .app: ${MIN_MACHO:-?}"
if [[ -n "$MIN_MACHO" && "$(printf '%s\n%s\n' "$MIN_MACHO" "$MIN_PLIST" | sort -t. -k1,1n -k2,2n | tail -1)" != "$MIN_PLIST" ]] \
   && [[ "$MIN_MACHO" != "$MIN_PLIST" ]]; then
  echo "a bundled Mach-O file needs macOS $MIN_MACHO, above LSMinimumSystemVersion $MIN_PLIST (nst-desktop.spec)" >&2
  exit 1
fi
/usr/libexec/PlistBuddy -c 'Print :CFBundleDocumentTypes:0:LSItemContentTypes' "$APP/Contents/Info.plist"
# .nststyle: declared (exported UTI) and owned by the app.
/usr/libexec/PlistBuddy -c 'Print :UTExportedTypeDeclarations:0:UTTypeTagSpecification' "$APP/Contents/Info.plist"
/usr/libexec/PlistBuddy -c 'Print :CFBundleDocumentTypes:1:LSItemContentTypes' "$APP/Contents/Info.plist"
test -f "$APP/Contents/Resources/nst-desktop.icns"

if [[ -n "${SIGN_IDENTITY:-}" ]]; then
  echo "== codesign (hardened runtime) as $SIGN_IDENTITY"
  # Inside out: every Mach-O first, then the bundle itself. --deep is not used for signing
  # (Apple discourages it); the explicit pass covers the dylibs and .so files PyInstaller collected.
  find "$APP/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) -print0 |
    while IFS= read -r -d '' f; do
      if file "$f" | grep -q 'Mach-O'; then
        codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
          --sign "$SIGN_IDENTITY" "$f"
      fi
    done
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "== SIGN_IDENTITY not set: the .app stays unsigned (ad-hoc signature from PyInstaller only)"
fi

if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
  QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/nst-desktop" --smoke-test
fi

echo "== .dmg"
STAGE="$HERE/build/dmg"
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "nst-desktop $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
if [[ -n "${SIGN_IDENTITY:-}" ]]; then
  codesign --force --timestamp --sign "$SIGN_IDENTITY" "$DMG"
fi

if [[ -n "${SIGN_IDENTITY:-}" && -n "${APPLE_ID:-}" && -n "${TEAM_ID:-}" && -n "${APP_PASSWORD:-}" ]]; then
  echo "== notarise and staple"
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$TEAM_ID" \
    --password "$APP_PASSWORD" --wait
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
else
  echo "== APPLE_ID / TEAM_ID / APP_PASSWORD (and SIGN_IDENTITY) not all set: not notarised"
fi
ls -la "$DMG"
