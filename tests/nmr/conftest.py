import os
from pathlib import Path

import pytest

pytest.importorskip("nmrglue")
pytest.importorskip("lmfit")


@pytest.fixture(scope="session")
def shared_nmr() -> Path:
    root = Path(os.environ.get("DUALION_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    p = root / "data" / "nmr"
    if not (p / "Na2SiO3_O17.csdf").is_file():
        pytest.skip("shared NMR data not available")
    return p
