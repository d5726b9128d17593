"""Application set-up: ``nst-desktop`` with no subcommand, and the installers' ``--smoke-test``.

Only Qt is imported before the window shows; the model loads afterwards on the worker thread.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .style_open import StyleFileOpener

SMOKE_SIZE = 64
SMOKE_STEPS = 12
SMOKE_TIMEOUT_MS = 300_000


def _parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="nst-desktop",
        description="Open the nst-desktop studio window (see 'nst-desktop --help' for the CLI).",
    )
    parser.add_argument("content", nargs="?", type=Path, help="photo to open")
    parser.add_argument("styles", nargs="*", type=Path, help="paintings to take the style from")
    parser.add_argument(
        "--settings-from",
        metavar="PICTURE",
        type=Path,
        help="start with the settings embedded in a picture made with nst-desktop",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="stylize the built-in sample at a small size offscreen, save and check it, then exit",
    )
    return parser.parse_known_args(list(argv))


def sample_images() -> tuple[list[Path], list[Path]]:
    """The built-in sample photos and paintings (either list empty if not installed)."""
    from nst_desktop.engine.paths import samples_dir

    root = samples_dir()
    suffixes = {".jpg", ".jpeg", ".png"}

    def listing(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file())

    return listing(root / "content"), listing(root / "style")


def main(argv: Sequence[str] | None = None) -> int:
    # The window may be started without the package's entry point (a launcher calling this):
    # idle torch threads must sleep there too, and only before torch loads can they be told.
    from nst_desktop.engine.threads import prepare_process

    prepare_process()
    args, qt_args = _parse(sys.argv[1:] if argv is None else argv)
    if args.smoke_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif "PySide6.QtWidgets" not in sys.modules:  # about to start Qt: on X11, can its xcb plugin load?
        from .xcb_check import missing_libraries_message

        problem = missing_libraries_message()
        if problem:
            sys.stderr.write(problem + "\n")
            return 2

    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("nst-desktop")
    QCoreApplication.setApplicationName("nst-desktop")
    app = QApplication.instance()
    created = app is None
    if app is None:
        # Fractional scale factors (125 %, 150 %) as they are, not rounded: crisp at high DPI.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(["nst-desktop", *qt_args])
    QGuiApplication.setApplicationDisplayName("nst-desktop")
    QGuiApplication.setDesktopFileName("nst-desktop")
    from nst_desktop.engine.paths import resources_dir

    icon = QIcon()
    for path in sorted((resources_dir() / "icons").glob("nst-desktop*.png")):
        icon.addFile(str(path))  # every size, so Qt picks a crisp one at any scale
    if not icon.isNull():
        QGuiApplication.setWindowIcon(icon)

    if args.smoke_test:
        if created:  # never replace the handler of a host that made the app (pytest-qt)
            _quiet_offscreen_notice()
        return _smoke_test(app)

    from .file_open import FileOpenFilter
    from .main_window import MainWindow

    window = MainWindow()
    opener = style_opener(window)
    app.installEventFilter(FileOpenFilter(window.inputs, opener))
    window.show()
    style_files, images = split_style_files([args.content, *args.styles] if args.content else [])
    open_initial_images(window, images[0] if images else None, images[1:])
    if style_files:  # after the first listing is asked for, so the import's refresh selects it
        QTimer.singleShot(0, lambda: opener.open_all(style_files))
    if args.settings_from is not None:
        window.inputs.use_settings_from(args.settings_from)
    QTimer.singleShot(300, window.warm_up)
    QTimer.singleShot(300, window.fast_styles.refresh)  # the gallery and the batch's style list
    from . import shutdown
    from .stop_signals import StopSignals

    stop_signals = StopSignals(window.close)
    shutdown.quit_when_closed = True
    status = int(app.exec())
    shutdown.quit_when_closed = False
    stop_signals.uninstall()
    if stop_signals.exit_status is not None:
        status = stop_signals.exit_status
    if created:  # our own application: end the process now that everything is saved
        shutdown.end_process(status)
    from .side_tasks import wait_for_stranded

    window.controller.shutdown(10_000)
    wait_for_stranded()
    return status


def split_style_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The ``.nststyle`` files among ``paths`` (imported as fast styles), and the rest (images)."""
    from .style_open import is_style_file

    return [p for p in paths if is_style_file(p)], [p for p in paths if not is_style_file(p)]


def style_opener(window: object) -> StyleFileOpener:
    """The importer for ``.nststyle`` files opened with the app, wired to ``window``'s Fast
    styles tab through its public parts (its panel, tabs and message banner)."""
    from .main_window import MainWindow
    from .style_open import StyleFileOpener

    assert isinstance(window, MainWindow)

    def show_gallery() -> None:
        window.tabs.setCurrentWidget(window.fast_styles)

    return StyleFileOpener(window.fast_styles, window.show_message, show_gallery, window)


def open_initial_images(window: object, content: Path | None, styles: Sequence[Path]) -> None:
    """The images named on the command line, else those of the last session, else the built-in
    sample photo and painting."""
    from .main_window import MainWindow, state

    assert isinstance(window, MainWindow)
    sample_content, sample_styles = sample_images()
    window.gallery.set_samples(sample_styles)
    if content is not None:
        window.inputs.set_photo(content)
        for style in styles:
            window.inputs.add_style(style)
        return
    if state.restore_inputs(window):
        return
    if sample_content:
        window.inputs.set_photo(sample_content[0])
    if sample_styles:
        window.inputs.add_style(sample_styles[0])


def _smoke_test(app: object) -> int:
    """Exercise the real path end to end: window, worker thread, engine, save, read back."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from .main_window import MainWindow

    def fail(message: str) -> int:
        sys.stderr.write(f"nst-desktop smoke test FAILED: {message}\n")
        return 1

    # Its versions, drag files and logs go to a private data folder, never the user's history.
    with tempfile.TemporaryDirectory(prefix="nst-smoke-") as tmp, _private_data_dir(Path(tmp) / "data"):
        folder = Path(tmp)
        window = MainWindow(qsettings=QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        window.show()
        open_initial_images(window, None, [])
        if window.content is None or not window.gallery.styles():
            _write_synthetic_samples(folder)
            sys.stderr.write("nst-desktop smoke test: built-in samples missing, using synthetic images\n")
            window.inputs.set_photo(folder / "content.png")
            window.inputs.add_style(folder / "style.png")
        window.controls.set_settings(
            window.controls.settings().replace(size=SMOKE_SIZE, steps=SMOKE_STEPS, seed=1)
        )
        loop = QEventLoop()
        window.controller.finished.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(SMOKE_TIMEOUT_MS)
        window.stylize()
        if not window.controller.busy:
            return fail(f"the run did not start ({window.banner.text() or 'no message'})")
        loop.exec()
        if window.controller.busy:
            window.close()
            return fail("the run did not finish in time")
        picture = window.shown
        if picture is None or not picture.complete:
            return fail(window.banner.text() or "the run ended without a result")
        out = window.output.save_to(folder / "smoke.png")
        if out is None or not out.is_file():
            return fail(window.banner.text() or "the result was not saved")
        from nst_desktop.engine import images

        from . import imaging

        image = images.load_image(out)
        meta = imaging.read_metadata(out)
        if max(image.shape[:2]) != SMOKE_SIZE:
            return fail(f"the saved picture is {image.shape[1]}x{image.shape[0]}, not {SMOKE_SIZE} px long")
        if meta is None or meta["settings"].get("size") != SMOKE_SIZE:
            return fail("the saved picture does not carry its settings")
        device = window.device_text
        seconds = picture.seconds
        window.close()
    sys.stdout.write(f"nst-desktop smoke test passed ({device}, {seconds:.1f} s)\n")
    return 0


@contextlib.contextmanager
def _private_data_dir(folder: Path) -> Iterator[None]:
    """Point the per-user data folder (``engine.paths.user_data_dir``) at ``folder`` meanwhile."""
    previous = os.environ.get("NST_DESKTOP_DATA_DIR")
    os.environ["NST_DESKTOP_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("NST_DESKTOP_DATA_DIR", None)
        else:
            os.environ["NST_DESKTOP_DATA_DIR"] = previous


def _quiet_offscreen_notice() -> None:
    """Drop the offscreen platform's harmless notice so the installers' log shows only ours."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if "propagateSizeHints" in message or kind == QtMsgType.QtDebugMsg:
            return
        sys.stderr.write(f"{message}\n")

    qInstallMessageHandler(handler)


def _write_synthetic_samples(folder: Path) -> None:
    import numpy as np

    from nst_desktop.engine import images

    y, x = np.mgrid[0:96, 0:128]
    content = np.stack([x * 2, y * 2, (x + y)], axis=-1).clip(0, 255).astype(np.uint8)
    style = ((np.sin(x / 3.0) * np.cos(y / 5.0) + 1) * 127).astype(np.uint8)
    images.save_image(folder / "content.png", content)
    images.save_image(folder / "style.png", np.stack([style, 255 - style, style // 2], axis=-1))
