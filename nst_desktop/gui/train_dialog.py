""" "Train a fast style from these paintings…": name, photo folder and a time budget in words.

The dialog only gathers a :class:`~.training.TrainRequest`; the window runs it. The budget is
a time the training holds to whatever a step costs; the steps it will be are shown as
information only when the last training here measured the rate (a guess would mislead).
When a stopped training of the same name left a checkpoint, it offers to resume it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine.fast.budget import STEP_CAP
from nst_desktop.engine.pipeline import ImageInput

from . import training, user_paths
from .plain_text import capped
from .training import BUDGETS, MIN_PHOTOS, TrainRequest


class TrainDialog(QDialog):
    def __init__(
        self,
        paintings: Sequence[ImageInput],
        *,
        seconds_per_step: float | None = None,
        taken_names: Sequence[str] = (),
        photos_dir: str = "",
        styles_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a fast style")
        self.setModal(True)
        self.paintings = tuple(p for p in paintings if p.weight > 0)
        self.seconds_per_step = seconds_per_step if seconds_per_step and seconds_per_step > 0 else None
        self.taken = {" ".join(n.split()).casefold() for n in taken_names}
        self.styles_folder = styles_folder
        self.resumable: TrainRequest | None = None
        self._request: TrainRequest | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(
            "A fast style paints any photo in a fraction of a second once it has learnt the look of "
            "the paintings. It learns from a folder of your own photos (dozens of varied ones are "
            "best; at least 5)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.paintings_label = QLabel(
            capped(
                ", ".join(
                    f"{capped(p.name, 80)} ({p.weight:g})" if len(self.paintings) > 1 else capped(p.name, 80)
                    for p in self.paintings
                ),
                300,
            )
            or "No paintings: add some on the left first."
        )
        self.paintings_label.setTextFormat(Qt.TextFormat.PlainText)
        self.paintings_label.setWordWrap(True)
        form.addRow("Learns from", self.paintings_label)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Autumn oils")
        self.name_edit.setMaxLength(80)
        self.name_edit.setText(self._suggested_name())
        self.name_edit.textChanged.connect(self._on_name)
        form.addRow("Name", self.name_edit)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(photos_dir)
        self.folder_edit.setPlaceholderText("A folder of your photos")
        self.folder_edit.textChanged.connect(self._on_folder)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.browse)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form.addRow("Photos", folder_row)
        self.folder_info = QLabel()
        self.folder_info.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_info.setStyleSheet("color: #9a9aa2;")
        form.addRow("", self.folder_info)
        budget_box = QVBoxLayout()
        self.budget_group = QButtonGroup(self)
        self.budget_buttons: dict[str, QRadioButton] = {}
        for index, (key, text, _seconds) in enumerate(BUDGETS):
            button = QRadioButton(text)
            self.budget_group.addButton(button, index)
            self.budget_buttons[key] = button
            budget_box.addWidget(button)
        self.budget_buttons["quick"].setChecked(True)
        self.budget_group.idClicked.connect(self._update_estimate)
        form.addRow("Time", budget_box)
        self.estimate = QLabel()
        self.estimate.setTextFormat(Qt.TextFormat.PlainText)
        self.estimate.setWordWrap(True)
        self.estimate.setStyleSheet("color: #9a9aa2;")
        form.addRow("", self.estimate)
        layout.addLayout(form)
        self.resume_box = QCheckBox()
        self.resume_box.setChecked(True)
        self.resume_box.hide()
        self.resume_box.toggled.connect(self._update_estimate)
        layout.addWidget(self.resume_box)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8080;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.train_button = self.buttons.addButton("Train", QDialogButtonBox.ButtonRole.AcceptRole)
        self.train_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self._on_name()
        self._on_folder()

    def _suggested_name(self) -> str:
        """The first painting's name, made unique among the styles there are."""
        if not self.paintings:
            return ""
        base = Path(self.paintings[0].name).stem.replace("_", " ").replace("-", " ").title()[:70]
        name, n = base, 2
        while name.casefold() in self.taken:
            name, n = f"{base} {n}", n + 1
        return name

    # State ------------------------------------------------------------------------------------

    def budget_seconds(self) -> float:
        return BUDGETS[max(0, self.budget_group.checkedId())][2]

    def estimated_steps(self) -> int | None:
        """The steps the budget will be at the rate measured here; None when none was."""
        if self.seconds_per_step is None:
            return None
        return training.estimated_steps(self.budget_seconds(), self.seconds_per_step)

    def _update_estimate(self, *_: object) -> None:
        resuming = self.resuming()
        for button in self.budget_buttons.values():
            button.setEnabled(not resuming)
        if resuming:
            assert self.resumable is not None
            self.estimate.setText(
                f"Continues the stopped training: {self.resumable.budget_text} in all, the time it "
                "has had counted, from its last checkpoint."
            )
            return
        budget = training.duration_text(self.budget_seconds())
        steps = self.estimated_steps()
        if steps is None:
            rate = "How many steps that is depends on this computer (a GPU does many more)."
        else:
            assert self.seconds_per_step is not None
            rate = (
                f"At {self.seconds_per_step:.2g} s a step (measured on this computer) that is about "
                f"{steps} steps."
            )
        self.estimate.setText(
            f"Trains for {budget}. {rate} You can stop at any time and resume later; the time "
            "already trained counts."
        )

    def resuming(self) -> bool:
        """The artist chose to resume the stopped training of this name."""
        return self.resumable is not None and self.resume_box.isChecked()

    def _on_name(self, *_: object) -> None:
        self.resumable = training.find_resumable(self.name_edit.text(), self.styles_folder)
        if self.resumable is not None:
            self.resume_box.setText(
                f"Resume the stopped training of '{self.resumable.name}' from its checkpoint "
                "(same paintings and photos as then)"
            )
        self.resume_box.setHidden(self.resumable is None)
        self._update_estimate()

    def _on_folder(self, *_: object) -> None:
        text = self.folder_edit.text().strip()
        if not text:
            self.folder_info.setText("")
            return
        folder = _expand(text)
        problem = user_paths.problem(folder, "dir")
        if problem:
            self.folder_info.setText(problem)
            return
        count = training.count_photos(folder)
        self.folder_info.setText(f"{count} photo{'s' if count != 1 else ''} in this folder.")

    def browse(self) -> None:
        folder = self.ask_folder()
        if folder is not None:
            self.folder_edit.setText(str(folder))

    def ask_folder(self) -> Path | None:  # tests replace this
        chosen = QFileDialog.getExistingDirectory(self, "A folder of your photos", self.folder_edit.text())
        return Path(chosen) if chosen else None

    # Result -----------------------------------------------------------------------------------

    def problem(self) -> str:
        """Why the request cannot be trained as it stands ("" when it can)."""
        name = " ".join(self.name_edit.text().split())
        if self.resuming():
            return ""
        if not self.paintings:
            return "Add at least one painting (with a blend weight above zero) to learn from."
        if not name:
            return "Give the style a name."
        if name.casefold() in self.taken:
            return f"There is already a fast style called '{name}'; choose another name."
        text = self.folder_edit.text().strip()
        if not text:
            return "Choose a folder of photos to learn from."
        folder = _expand(text)
        problem = user_paths.problem(folder, "dir")
        if problem:
            return f"The photo folder cannot be used: {problem}"
        count = training.count_photos(folder)
        if count < MIN_PHOTOS:
            return (
                f"The photo folder holds {count} photo{'s' if count != 1 else ''}; training needs at "
                f"least {MIN_PHOTOS} (dozens of varied ones are best)."
            )
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.error.hide()
        if self.resuming():
            self._request = self.resumable
        else:
            name = " ".join(self.name_edit.text().split())
            self._request = TrainRequest(
                name=name,
                photos=_expand(self.folder_edit.text().strip()),
                paintings=self.paintings,
                output=training.new_output(name, self.styles_folder),
                steps=STEP_CAP,
                seconds=self.budget_seconds(),
            )
        super().accept()

    def request(self) -> TrainRequest | None:
        """The training asked for, once the dialog was accepted."""
        return self._request


def _expand(text: str) -> Path:
    """The folder typed in, with ``~`` expanded when that can be done (never raises)."""
    try:
        return Path(text).expanduser()
    except (RuntimeError, OSError, ValueError):
        return Path(text)
