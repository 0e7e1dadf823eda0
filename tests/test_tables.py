"""Camera signatures from JPEG tables: the shipped database and known answers."""

import pytest
from PIL import Image

from imgfake.forensics.registry import run_analysis
from imgfake.forensics.tables import table_database
from imgfake.io import load_image
from imagefactory import encode, textured


def _camera_with_own_tables():
    db = table_database()
    for signature, writers in db["cameras"].items():
        if "~" in signature and signature in db["tables"] and len(db["tables"][signature]) == 2:
            make, model = writers[0].split(" | ")
            return make, model, db["tables"][signature]
    pytest.skip("the database has no camera with its own two tables")


def _jpeg(make: str, model: str, **save) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    return encode(textured(64, 64, seed=1), exif=exif.tobytes(), **save)


def test_the_database_ships_with_its_provenance():
    db = table_database()
    assert db["format"] == 1 and db["provenance"]["files"] > 200 and len(db["by_model"]) > 50
    assert set(db["cameras"]) | set(db["programs"]) <= set(db["tables"])


def test_a_camera_file_with_that_cameras_tables_is_consistent():
    make, model, tables = _camera_with_own_tables()
    result = run_analysis("tables", load_image(_jpeg(make, model, qtables=tables, subsampling=2)))
    assert [f.code for f in result.findings][:1] == ["tables-match-camera"], result.findings


def test_a_camera_file_resaved_with_standard_tables_says_so():
    make, model, _ = _camera_with_own_tables()
    result = run_analysis("tables", load_image(_jpeg(make, model, quality=90)))
    codes = {f.code for f in result.findings}
    assert "tables-not-camera" in codes and result.score is None
    assert model in next(f.message for f in result.findings if f.code == "tables-not-camera")


def test_png_and_unknown_cameras_say_nothing_wrong():
    assert run_analysis("tables", load_image(encode(textured(32, 32), "PNG"))).findings == ()
    result = run_analysis("tables", load_image(_jpeg("Nobody", "Camera 0", quality=83)))
    assert not any(f.code in ("tables-not-camera", "tables-match-camera") for f in result.findings)
