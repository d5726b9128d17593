# Windows x64: the PyInstaller bundle with CPU torch, the Visual C++ runtime copied in
# (app-local, so the per-user installer needs no admin rights), the frozen app's smoke test,
# and the NSIS installer. Run from the repository root in PowerShell with Python 3.10+ (x64):
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1
# Environment: TORCH_SPEC (default "torch"), TORCH_INDEX_URL (default PyTorch's CPU index,
#   https://download.pytorch.org/whl/cpu; torch is never taken from PyPI; a local index works too:
#   file:///C:/wheels/simple), TORCH_WHEEL (a CPU torch .whl file to install instead, for offline builds),
#   VCREDIST_DIR (a folder with msvcp140.dll etc.; default: found through vswhere), SKIP_SMOKE=1.
# Output: packaging\dist\nst-desktop\ and packaging\dist\nst-desktop-<version>-windows-x64-setup.exe
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$Here = Split-Path -Parent (Split-Path -Parent $MyInvocation.MyCommand.Path)   # packaging\
$Root = Split-Path -Parent $Here
Set-Location $Root
$Venv = Join-Path $Here "build\venv-windows"
$Dist = Join-Path $Here "dist"
$Bundle = Join-Path $Dist "nst-desktop"
$TorchSpec = if ($env:TORCH_SPEC) { $env:TORCH_SPEC } else { "torch" }
$TorchIndex = if ($env:TORCH_INDEX_URL) { $env:TORCH_INDEX_URL } else { "https://download.pytorch.org/whl/cpu" }
$Version = (Select-String -Path "nst_desktop\__init__.py" -Pattern '__version__ = "(.+?)"').Matches[0].Groups[1].Value
# VIProductVersion takes four numbers: the leading X.Y.Z of a PEP 440 version, then .0
# (0.2.0rc1 -> 0.2.0.0, 1.0 -> 1.0.0.0); the full string stays in the installer's name.
$VersionMatch = [regex]::Match($Version, '^(\d+)(?:\.(\d+))?(?:\.(\d+))?')
if (-not $VersionMatch.Success) { throw "version '$Version' does not start with a number" }
$VersionParts = @(1, 2, 3) | ForEach-Object { if ($VersionMatch.Groups[$_].Success) { $VersionMatch.Groups[$_].Value } else { "0" } }
$VersionNumeric = ($VersionParts -join ".") + ".0"
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed ($LASTEXITCODE)" } }

New-Item -ItemType Directory -Force (Join-Path $Here "build") | Out-Null
if (-not (Test-Path "$Venv\Scripts\python.exe")) { python -m venv $Venv; Check "venv" }
$Py = "$Venv\Scripts\python.exe"
& $Py -m pip install -q --upgrade pip; Check "pip upgrade"
# torch alone (no dependencies) from the CPU index or the given wheel; its dependencies come from
# PyPI with the app's, under a constraint that keeps this torch.
if ($env:TORCH_WHEEL) {
  Write-Host "torch: $env:TORCH_WHEEL (TORCH_WHEEL)"
  & $Py -m pip install -q --no-deps $env:TORCH_WHEEL; Check "torch"
} else {
  Write-Host "torch: $TorchSpec from $TorchIndex"
  & $Py -m pip install -q --no-deps --index-url $TorchIndex $TorchSpec; Check "torch (set TORCH_WHEEL when $TorchIndex is unreachable)"
}
$TorchHave = (& $Py -c "import importlib.metadata as m;print(m.version('torch').split('+')[0])")
"torch==$TorchHave" | Set-Content -Encoding ascii (Join-Path $Here "build\torch-pin.txt")
& $Py -m pip install -q -c (Join-Path $Here "build\torch-pin.txt") . "pyinstaller>=6.10"; Check "app deps"
& $Py -c "import torch,sys; print('torch', torch.__version__, 'cuda', torch.version.cuda); sys.exit(torch.version.cuda is not None)"; Check "CPU torch"

if (Test-Path $Bundle) { Remove-Item -Recurse -Force $Bundle }
& "$Venv\Scripts\pyinstaller.exe" --noconfirm --clean --log-level WARN --distpath $Dist `
  --workpath (Join-Path $Here "build\pyinstaller") (Join-Path $Here "nst-desktop.spec"); Check "pyinstaller"
# The spec collected the licences into _internal\licenses; no distribution in the bundle without them.
& $Py (Join-Path $Here "collect_licenses.py") --check $Bundle; Check "licences"

# The Visual C++ runtime torch's DLLs link against (msvcp140, vcruntime140(_1), concrt140, vcomp140 ...).
$Redist = $env:VCREDIST_DIR
if (-not $Redist) {
  $VsWhere = "${env:ProgramFiles(x86)}\Microsoft Visual Studio\Installer\vswhere.exe"
  $Vs = & $VsWhere -latest -products * -property installationPath
  $Crt = Get-ChildItem "$Vs\VC\Redist\MSVC\*\x64\Microsoft.VC14*.CRT" -Directory |
    Sort-Object FullName -Descending | Select-Object -First 1
  $Redist = $Crt.FullName
  $Omp = Get-ChildItem "$Vs\VC\Redist\MSVC\*\x64\Microsoft.VC14*.OpenMP" -Directory -ErrorAction SilentlyContinue |
    Sort-Object FullName -Descending | Select-Object -First 1
  if ($Omp) { Copy-Item "$($Omp.FullName)\*.dll" "$Bundle\_internal\" -Force }
}
Write-Host "Visual C++ runtime from $Redist"
Copy-Item "$Redist\*.dll" "$Bundle\_internal\" -Force
if (-not (Test-Path "$Bundle\_internal\msvcp140.dll")) { throw "msvcp140.dll missing from the bundle" }

if ($env:SKIP_SMOKE -ne "1") {
  $env:QT_QPA_PLATFORM = "offscreen"
  & "$Bundle\nst-desktop-cli.exe" --smoke-test; Check "smoke test"
  Remove-Item Env:\QT_QPA_PLATFORM
}

$MakeNsis = (Get-Command makensis.exe -ErrorAction SilentlyContinue).Source
if (-not $MakeNsis) { $MakeNsis = "${env:ProgramFiles(x86)}\NSIS\makensis.exe" }
if (-not (Test-Path $MakeNsis)) { choco install nsis -y --no-progress; $MakeNsis = "${env:ProgramFiles(x86)}\NSIS\makensis.exe" }
$Out = Join-Path $Dist "nst-desktop-$Version-windows-x64-setup.exe"
Push-Location (Join-Path $Here "windows")
& $MakeNsis /V2 "/DVERSION=$Version" "/DVERSION_NUMERIC=$VersionNumeric" "/DBUNDLE_DIR=$Bundle" "/DOUTFILE=$Out" nst-desktop.nsi; Check "makensis"
Pop-Location
Get-Item $Out | Format-List Name, Length
