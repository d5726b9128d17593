"""Batch result names: a user's pattern made into a free, safe name that never replaces a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nst_desktop.engine import output_names
from nst_desktop.engine.output_names import (
    DEFAULT_PATTERN,
    fill_pattern,
    free_batch_path,
    safe_stem,
    style_label,
)


def name_for(folder: Path, pattern: str = DEFAULT_PATTERN, **kwargs: object) -> Path:
    args: dict[str, object] = {"photo": Path("/photos/beach.jpg"), "style": "starry", "n": 3}
    args.update(kwargs)
    return free_batch_path(folder, pattern, **args)  # type: ignore[arg-type]


def test_the_pattern_fills_photo_style_and_number(tmp_path: Path) -> None:
    assert name_for(tmp_path) == tmp_path / "beach-starry.png"
    assert name_for(tmp_path, "{n} {style} of {photo}") == tmp_path / "3 starry of beach.png"
    assert name_for(tmp_path, "", fmt="jpeg") == tmp_path / "beach-starry.jpg", "empty means the default"
    assert name_for(tmp_path, fmt="tiff").suffix == ".tif"
    assert name_for(tmp_path, fmt="webp").suffix == ".png", "an unknown format falls back to PNG"


def test_fields_are_replaced_once_and_nothing_is_formatted() -> None:
    assert fill_pattern("{photo}-{style}", photo="{style}", style="x", n=1) == "{style}-x"
    # str.format would look attributes up or fail; here they are just text.
    assert fill_pattern("{photo.__class__}{0}{", photo="p", style="s", n=1) == "{photo.__class__}{0}{"


def test_an_existing_file_or_link_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "beach-starry.png").write_bytes(b"an earlier result")
    (tmp_path / "beach-starry-2.png").symlink_to(tmp_path / "nowhere")  # a broken link is taken too
    assert name_for(tmp_path) == tmp_path / "beach-starry-3.png"
    # A JPEG writes (or removes) NAME.json beside it: an unrelated file of that name makes it taken.
    (tmp_path / "beach-starry.jpg.json").write_text("{}")
    assert name_for(tmp_path, fmt="jpeg") == tmp_path / "beach-starry-2.jpg"


def test_names_handed_out_earlier_are_avoided(tmp_path: Path) -> None:
    first = name_for(tmp_path)
    second = name_for(tmp_path, avoid=[first])
    assert second != first and second.name == "beach-starry-2.png"


def test_the_result_is_never_one_of_the_inputs(tmp_path: Path) -> None:
    photo = tmp_path / "beach.png"  # the photo itself sits in the output folder
    # Even before the file is there (or if it went away), naming it in ``avoid`` is enough.
    assert name_for(tmp_path, "{photo}", photo=photo, avoid=[photo]) == tmp_path / "beach-2.png"
    photo.write_bytes(b"the artist's photo")
    assert name_for(tmp_path, "{photo}", photo=photo) == tmp_path / "beach-2.png"
    # The same path written differently is still the same path.
    other = tmp_path / "sub" / ".." / "beach-2.png"
    assert name_for(tmp_path, "{photo}", photo=photo, avoid=[photo, other]) == tmp_path / "beach-3.png"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a/b\\c:d*e?f<g>h|i"j', "a_b_c_d_e_f_g_h_i_j"),
        ("../../etc/passwd", "_.._etc_passwd"),
        (".hidden", "hidden"),
        ("-rf now", "rf now"),
        ("tab\there\nnewline\x00nul\x7f", "tab here newline_nul_"),
        ("trailing dots. . .", "trailing dots"),
        ("CON", "_CON"),
        ("lpt1.backup", "_lpt1.backup"),
        ("  ", "result"),
        ("...", "result"),
        ("bad\udcffbyte", "bad_byte"),
        ("Cafe\u0301", "Café"),
    ],
)
def test_odd_characters_become_safe(text: str, expected: str) -> None:
    assert safe_stem(text) == expected


def test_a_style_with_slashes_cannot_leave_the_folder(tmp_path: Path) -> None:
    path = name_for(tmp_path, style="../../../../tmp/evil")
    assert path.parent == tmp_path and "/" not in path.name


@pytest.mark.parametrize("char", ["é", "水", "🎨", "x"])
def test_long_names_fit_the_file_system_with_room_for_a_number_and_settings(
    tmp_path: Path, char: str
) -> None:
    path = name_for(tmp_path, "{photo}", photo=Path(char * 400 + ".jpg"), fmt="jpeg")
    longest = os.fsencode(path.stem + "-99999999" + path.suffix + ".json")
    assert len(longest) <= 255 and path.name.startswith(char * 10)
    path.write_bytes(b"x")  # the file system takes it
    (tmp_path / (path.name + ".json")).write_bytes(b"{}")
    again = name_for(tmp_path, "{photo}", photo=Path(char * 400 + ".jpg"), fmt="jpeg")
    assert again != path and len(os.fsencode(again.name + ".json")) <= 255
    again.write_bytes(b"x")


def test_after_ten_thousand_a_random_name_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output_names, "_MAX_COUNTER", 3)
    for name in ("beach-starry.png", "beach-starry-2.png"):
        (tmp_path / name).write_bytes(b"x")
    path = name_for(tmp_path)
    assert (
        not path.exists()
        and path.name.startswith("beach-starry-")
        and len(path.stem) == len("beach-starry-") + 8
    )


def test_a_folder_that_cannot_be_examined_still_gets_a_name(tmp_path: Path) -> None:
    assert name_for(tmp_path / "missing") == tmp_path / "missing" / "beach-starry.png"


def test_style_label_words_what_paints() -> None:
    assert style_label("fast", "Mosaic") == "Mosaic"
    assert style_label("optimise", "", ["/p/starry night.jpg"]) == "starry night"
    assert style_label("optimise", "", ["a.png", "b.png", "c.png", "d.png"]) == "a+b+2 more"
    assert style_label("instant") == "instant"
    assert style_label("optimise") == "stylized"
