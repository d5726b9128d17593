"""Images arrive by drag and drop (synthetic events), browsing, pasting and samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from nst_desktop.engine import Settings
from nst_desktop.engine.images import save_image

from .conftest import write_image


def mime_for(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(widget: QWidget, mime: QMimeData) -> tuple[bool, bool]:
    """Send enter + drop to ``widget``'s handlers; return (enter accepted, drop accepted)."""
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        QPoint(10, 10), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    widget.dragEnterEvent(enter)
    event = QDropEvent(
        QPointF(10, 10), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    widget.dropEvent(event)
    return enter.isAccepted(), event.isAccepted()


def test_drop_photo_sets_content_and_preview(window, photo: Path) -> None:
    accepted = drop(window.photo_area, mime_for(photo))
    assert accepted == (True, True)
    assert window.content is not None and window.content.path == photo
    assert window.photo_area.has_image()
    assert window.preview.view.has_image()
    assert not window.banner.isVisible()


def test_drop_several_paintings_makes_cards_with_weights(window, tmp_path: Path) -> None:
    paths = [write_image(tmp_path / f"style{i}.png", 32, 32, seed=i) for i in range(3)]
    drop(window.gallery.drop_area, mime_for(*paths))
    styles = window.gallery.styles()
    assert [s.name for s in styles] == ["style0.png", "style1.png", "style2.png"]
    window.gallery.set_weight(1, 2.5)
    assert window.gallery.styles()[1].weight == 2.5
    window.gallery.cards()[0].remove_button.click()
    assert [s.name for s in window.gallery.styles()] == ["style1.png", "style2.png"]


def test_drag_without_files_is_refused(window) -> None:
    mime = QMimeData()
    mime.setText("just words")
    assert drop(window.photo_area, mime) == (False, False)
    assert window.content is None


def test_not_an_image_shows_a_plain_message_and_changes_nothing(window, photo: Path, tmp_path: Path) -> None:
    window.inputs.set_photo(photo)
    bogus = tmp_path / "notes.png"
    bogus.write_text("this is not a picture")
    drop(window.photo_area, mime_for(bogus))
    assert window.content is not None and window.content.path == photo
    assert window.banner.isVisible() and window.banner.is_error
    assert "notes.png" in window.banner.text()
    drop(window.gallery.drop_area, mime_for(bogus))
    assert window.gallery.styles() == ()


def test_missing_file_and_folder_are_refused_plainly(window, tmp_path: Path) -> None:
    drop(window.photo_area, mime_for(tmp_path / "gone.jpg"))
    assert window.content is None and window.banner.is_error
    drop(window.photo_area, mime_for(tmp_path))
    assert window.content is None and window.banner.is_error


def test_several_photos_go_to_the_batch(window, tmp_path: Path) -> None:
    paths = [write_image(tmp_path / f"p{i}.png", seed=i) for i in range(3)]
    drop(window.photo_area, mime_for(*paths))
    assert window.batch.paths() == paths
    assert window.tabs.currentWidget() is window.batch
    assert window.content is not None and window.content.path == paths[0]


def test_dropping_a_result_on_the_window_restores_its_settings(window, tmp_path: Path) -> None:
    settings = Settings(style_strength=3.5, keep_colors="luminance", size=640, steps=150, seed=42)
    result = tmp_path / "result.png"
    meta = {"app": "nst-desktop", "version": "0.1.0", "settings": settings.to_dict(), "content": "a.jpg"}
    save_image(result, np.zeros((16, 16, 3), np.uint8), metadata=meta)
    drop(window, mime_for(result))
    assert window.controls.settings() == settings
    assert not window.banner.is_error and "Restored" in window.banner.text()
    assert window.content is None


def test_dropping_a_plain_image_on_the_window_sets_the_photo(window, photo: Path) -> None:
    drop(window, mime_for(photo))
    assert window.content is not None and window.content.path == photo


def test_paste_image_from_clipboard(window) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    window.inputs.paste_photo()
    assert window.content is not None and window.content.pixels is not None
    assert window.content.pixels.shape == (30, 40, 3)
    window.inputs.paste_style()
    assert len(window.gallery.styles()) == 1


def test_browse_uses_the_dialog_hook_and_remembers_folders(window, photo: Path, painting: Path) -> None:
    window.inputs.ask_open_paths = lambda title, key, many: [photo]
    window.photo_area.browse_requested.emit()
    assert window.content is not None and window.content.path == photo
    window.inputs.ask_open_paths = lambda title, key, many: [painting]
    window.gallery.browse_requested.emit()
    assert window.gallery.styles()[0].path == painting
    assert window.qsettings.value("last_open_dir") == str(photo.parent)
    assert window.inputs.recent_images()[:2] == [str(painting), str(photo)]


def test_sample_styles_are_one_click_away(window, painting: Path) -> None:
    window.gallery.set_samples([painting])
    actions = window.gallery.samples_menu.actions()
    assert len(actions) == 1
    actions[0].trigger()
    assert window.gallery.styles()[0].path == painting


def test_a_file_opened_by_the_system_becomes_the_photo(window, photo: Path) -> None:
    # What macOS sends when a photo is dropped on the Dock icon or opened from Finder.
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from nst_desktop.gui.file_open import FileOpenFilter

    opener = FileOpenFilter(window.inputs)
    app = QApplication.instance()
    app.installEventFilter(opener)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(photo)))
    finally:
        app.removeEventFilter(opener)
    assert window.content is not None and window.content.path == photo
