; nst-desktop for Windows: a per-user installer (no administrator prompt).
;
; Compile after the PyInstaller build (packaging/build_windows.ps1 does both):
;   makensis /DVERSION=0.1.0 /DVERSION_NUMERIC=0.1.0.0 /DBUNDLE_DIR=..\dist\nst-desktop /DOUTFILE=..\dist\nst-desktop-0.1.0-windows-x64-setup.exe nst-desktop.nsi
; The bundle must already hold the Visual C++ runtime DLLs next to the torch DLLs (app-local
; deployment, which needs no admin rights; build_windows.ps1 copies them from Visual Studio's
; redist folder). /DNO_VCRT_CHECK skips that check (only for compiling the script against a
; dummy folder, as done on Linux with Debian's makensis).

Unicode true
SetCompressor /SOLID lzma
SetCompressorDictSize 64
ManifestDPIAware true
RequestExecutionLevel user

!ifndef VERSION
  !define VERSION "0.1.0"
  !define VERSION_NUMERIC "0.1.0.0"
!endif
; VIProductVersion takes four numbers only: a pre-release such as 0.2.0rc1 is 0.2.0.0 there
; (build_windows.ps1 derives it); the full version string stays in ProductVersion and the name.
!ifndef VERSION_NUMERIC
  !error "give /DVERSION_NUMERIC=X.Y.Z.0 (digits only) with /DVERSION; build_windows.ps1 derives it (0.2.0rc1 -> 0.2.0.0)"
!endif
!ifndef BUNDLE_DIR
  !define BUNDLE_DIR "..\dist\nst-desktop"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\nst-desktop-${VERSION}-windows-x64-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\..\resources\icons\nst-desktop.ico"
!endif
!define APP "nst-desktop"
!define EXE "nst-desktop.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define STYLE_PROGID "nst-desktop.nststyle"
; CLSID_ExeDropTarget: Explorer "drops" all selected files on the exe, one command line.
!define EXE_DROP_TARGET "{86C86720-42A0-1069-A2E8-08002B30309D}"

; The image types nst-desktop opens (as packaging/linux/nst-desktop.desktop's MimeType=).
!macro ForEachType MACRO
  !insertmacro ${MACRO} ".jpg"
  !insertmacro ${MACRO} ".jpeg"
  !insertmacro ${MACRO} ".png"
  !insertmacro ${MACRO} ".tif"
  !insertmacro ${MACRO} ".tiff"
  !insertmacro ${MACRO} ".bmp"
  !insertmacro ${MACRO} ".webp"
  !insertmacro ${MACRO} ".gif"
!macroend
!macro RegisterImageType EXT
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}\SupportedTypes" "${EXT}" ""
  WriteRegStr HKCU "Software\Classes\${EXT}\OpenWithList\${EXE}" "" ""
!macroend
!macro UnregisterImageType EXT
  DeleteRegKey HKCU "Software\Classes\${EXT}\OpenWithList\${EXE}"
!macroend

!if /FileExists "${BUNDLE_DIR}\${EXE}"
!else
  !error "${BUNDLE_DIR}\${EXE} not found: build the PyInstaller bundle first"
!endif
!ifndef NO_VCRT_CHECK
  !if /FileExists "${BUNDLE_DIR}\_internal\msvcp140.dll"
  !else
    !error "The Visual C++ runtime (msvcp140.dll ...) is not in ${BUNDLE_DIR}\_internal: torch's DLLs need it"
  !endif
!endif

!include "MUI2.nsh"
!include "FileFunc.nsh"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
BrandingText "${APP} ${VERSION}"
VIProductVersion "${VERSION_NUMERIC}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION_NUMERIC}"
VIAddVersionKey "LegalCopyright" "nst-desktop contributors (MIT)"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP} now"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

; Always install into a folder of our own, so the uninstaller never removes anything else.
Function .onVerifyInstDir
  ${GetFileName} "$INSTDIR" $0
  StrCmp $0 "${APP}" +2
    StrCpy $INSTDIR "$INSTDIR\${APP}"
FunctionEnd

Section "nst-desktop" SecMain
  SectionIn RO
  ; An older version's files go first (a new torch may drop DLLs the old one had).
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE_DIR}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortCut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  ; File types, the same as the Linux .desktop file's MimeType= and the macOS document types
  ; (tests/packaging/test_file_types.py compares them). Per user, no admin.
  ; "Open with" for images: the app takes a photo, then paintings. The exe drop target makes
  ; Explorer start one instance with every selected file on its command line instead of one
  ; instance per file ("%1" alone); the command stays for a single file and for other callers.
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}\shell\open\command" "" '"$INSTDIR\${EXE}" "%1"'
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}\shell\open\DropTarget" "Clsid" "${EXE_DROP_TARGET}"
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}\shell\open" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}" "FriendlyAppName" "${APP}"
  !insertmacro ForEachType RegisterImageType
  ; .nststyle belongs to nst-desktop: opening one imports the fast style (gui/style_open.py).
  WriteRegStr HKCU "Software\Classes\${STYLE_PROGID}" "" "nst-desktop fast style"
  WriteRegStr HKCU "Software\Classes\${STYLE_PROGID}\DefaultIcon" "" "$INSTDIR\${EXE},0"
  WriteRegStr HKCU "Software\Classes\${STYLE_PROGID}\shell\open\command" "" '"$INSTDIR\${EXE}" "%1"'
  WriteRegStr HKCU "Software\Classes\${STYLE_PROGID}\shell\open\DropTarget" "Clsid" "${EXE_DROP_TARGET}"
  WriteRegStr HKCU "Software\Classes\${STYLE_PROGID}\shell\open" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\.nststyle" "" "${STYLE_PROGID}"
  WriteRegStr HKCU "Software\Classes\.nststyle" "Content Type" "application/x-nststyle"
  WriteRegStr HKCU "Software\Classes\.nststyle\OpenWithProgids" "${STYLE_PROGID}" ""
  WriteRegStr HKCU "Software\Classes\Applications\${EXE}\SupportedTypes" ".nststyle" ""
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'  ; SHCNE_ASSOCCHANGED

  ; Apps & features (per user)
  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "nst-desktop contributors"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  ; Only what the installer put there; the user's settings and results live elsewhere.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\nst-desktop.exe"
  Delete "$INSTDIR\nst-desktop-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "Software\Classes\Applications\${EXE}"
  !insertmacro ForEachType UnregisterImageType
  DeleteRegKey HKCU "Software\Classes\${STYLE_PROGID}"
  DeleteRegValue HKCU "Software\Classes\.nststyle\OpenWithProgids" "${STYLE_PROGID}"
  ReadRegStr $0 HKCU "Software\Classes\.nststyle" ""
  StrCmp $0 "${STYLE_PROGID}" 0 +2
    DeleteRegKey HKCU "Software\Classes\.nststyle"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
SectionEnd
