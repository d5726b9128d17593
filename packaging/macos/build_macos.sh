#!/usr/bin/env bash
# macOS (Apple Silicon): the .app from packaging/nst-desktop.spec, signed with the hardened
# runtime, inside a .dmg that is notarised and stapled. Run from anywhere on a Mac with Xcode's
# command-line tools and Python 3.10+ (arm64). The app needs macOS 14 (Sonoma) or later on Apple
# Silicon: the arm64 torch and PySide6 wheels are built for 14.0 (LSMinimumSystemVersion 14.0).
#
# Signing and notarisation are driven by the environment; without it they are skipped and the
# result is an unsigned .dmg. Gatekeeper then blocks its first launch; since macOS 15 the way
# past that is System Settings > Privacy & Security > "Open Anyway" (the Finder's
# right-click > Open no longer offers it):
#   SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)"  (in the keychain)
#   APPLE_ID        the Apple ID e-mail used for notarisation
#   TEAM_ID         the 10-character team ID
#   APP_PASSWORD    an app-specific password for that Apple ID
# Optional: PYTHON (default python3), VENV (default packaging/build/venv-macos),
#           TORCH_SPEC (default torch: the regular macOS wheel, which has MPS),
#           NOTARY_TIMEOUT (default 1h: how long notarytool waits for Apple's verdict),
#           SKIP_SMOKE=1.
# Output: packaging/dist/nst-desktop.app, packaging/dist/nst-desktop-<version>-macos-arm64.dmg
#
# Every failure says which step and command failed (set -e alone ends a pipeline's failure,
# e.g. a tool's non-zero status under pipefail, without a word).
set -Eeuo pipefail
STEP="start"
step() { STEP="$*"; printf '\n== %s\n' "$*"; }
on_error() {
  local status=$?
  (( BASH_SUBSHELL == 0 )) || return "$status"  # said once, by the script itself
  echo "build_macos.sh FAILED in step \"$STEP\" (line $1, exit $status): $2" >&2
}
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

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

step "build venv"
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "${TORCH_SPEC:-torch}"
TORCH_HAVE="$("$VENV/bin/python" -c 'import torch;print(torch.__version__.split("+")[0])')"
mkdir -p "$HERE/build"
echo "torch==$TORCH_HAVE" > "$HERE/build/torch-pin.txt"   # `pip install .` must keep this torch
"$VENV/bin/python" -m pip install -q -c "$HERE/build/torch-pin.txt" . "pyinstaller>=6.10"
"$VENV/bin/python" -c 'import torch; print("torch", torch.__version__, "MPS built:", torch.backends.mps.is_built())'

step "PyInstaller .app"
rm -rf "$APP" "$DIST/nst-desktop"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$HERE/build/pyinstaller" "$HERE/nst-desktop.spec"

step "licences in the .app"
# The spec collected the licences (Contents/Resources/licenses); none may be missing.
"$VENV/bin/python" "$HERE/collect_licenses.py" --check "$APP"

step "Info.plist and the Mach-O files' minimum macOS"
/usr/libexec/PlistBuddy -c 'Print :NSHighResolutionCapable' "$APP/Contents/Info.plist"
# The Mach-O files of the .app, once (file(1) decides; names and permissions do not).
MACHO_LIST="$HERE/build/macho-files.txt"
find "$APP/Contents" -type f -print0 | while IFS= read -r -d '' f; do
  case "$(file -b "$f")" in *Mach-O*) printf '%s\n' "$f" ;; esac
done > "$MACHO_LIST"
echo "$(wc -l < "$MACHO_LIST" | tr -d ' ') Mach-O files in the .app"
# LSMinimumSystemVersion must not promise less than the newest "minos" of any Mach-O file in the
# .app (torch's and Qt's arm64 wheels: macOS 14), or an older macOS shows a broken app.
MIN_PLIST="$(/usr/libexec/PlistBuddy -c 'Print :LSMinimumSystemVersion' "$APP/Contents/Info.plist")"
MIN_MACHO="$(tr '\n' '\0' < "$MACHO_LIST" | xargs -0 otool -l \
  | awk '/LC_BUILD_VERSION/{b=1} b&&$1=="minos"{print $2; b=0}
         /LC_VERSION_MIN_MACOSX/{v=1} v&&$1=="version"{print $2; v=0}' \
  | sort -t. -k1,1n -k2,2n | tail -1)"
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

sign() {  # sign PATH: hardened runtime, secure timestamp, the app's entitlements
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" --sign "$SIGN_IDENTITY" "$1"
}
if [[ -n "${SIGN_IDENTITY:-}" ]]; then
  step "codesign (hardened runtime) as $SIGN_IDENTITY, inside out"
  # Apple discourages --deep for signing: each piece of nested code is signed on its own, the
  # innermost first. 1. Mach-O files outside any framework (dylibs, .so, the executables);
  # 2. each framework (Qt's) as a bundle, deepest first, which seals its resources and signs its
  # versioned binary; 3. the .app.
  n=0
  while IFS= read -r f; do
    case "$f" in *.framework/*) continue ;; esac
    sign "$f"; n=$((n + 1))
  done < "$MACHO_LIST"
  echo "signed $n Mach-O files outside frameworks"
  FRAMEWORKS="$HERE/build/frameworks.txt"
  find "$APP/Contents" -type d -name '*.framework' -prune -print \
    | awk '{ print gsub("/", "/"), $0 }' | sort -rn | cut -d' ' -f2- > "$FRAMEWORKS"
  while IFS= read -r fw; do sign "$fw"; done < "$FRAMEWORKS"
  echo "signed $(wc -l < "$FRAMEWORKS" | tr -d ' ') frameworks as bundles"
  sign "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "== SIGN_IDENTITY not set: the .app stays unsigned (ad-hoc signature from PyInstaller only)"
fi

if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
  step "smoke test of the .app"
  QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/nst-desktop" --smoke-test
fi

step ".dmg"
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
  step "notarise (waiting for Apple's verdict) and staple"
  RESULT="$HERE/build/notary-result.json"
  # --wait returns when Apple has decided, whatever it decided: the status is checked below.
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$TEAM_ID" --password "$APP_PASSWORD" \
    --wait --timeout "${NOTARY_TIMEOUT:-1h}" --output-format json > "$RESULT"
  STATUS="$(/usr/bin/plutil -extract status raw -o - "$RESULT")"
  SUBMISSION="$(/usr/bin/plutil -extract id raw -o - "$RESULT")"
  echo "notarisation $SUBMISSION: $STATUS"
  if [[ "$STATUS" != "Accepted" ]]; then
    xcrun notarytool log "$SUBMISSION" --apple-id "$APPLE_ID" --team-id "$TEAM_ID" --password "$APP_PASSWORD" >&2 || true
    echo "notarisation was not accepted ($STATUS): Apple's log is above" >&2
    exit 1
  fi
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
else
  echo "== APPLE_ID / TEAM_ID / APP_PASSWORD (and SIGN_IDENTITY) not all set: not notarised."
  echo "   First launch of this .dmg's app: System Settings > Privacy & Security > Open Anyway."
fi
ls -la "$DMG"
