"""The notebook tour (examples/tour.ipynb) runs top to bottom in a fresh kernel of this interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NB = Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb"


def test_tour_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager

    # the native "python3" kernel of jupyter_client is ipykernel on *this* interpreter (sys.executable)
    spec = KernelSpecManager().get_kernel_spec(NATIVE_KERNEL_NAME)
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve() or spec.argv[0] in ("python", "python3")
    nb = nbformat.read(NB, as_version=4)
    src = str(Path(__file__).resolve().parents[1] / "src")
    os.environ["PYTHONPATH"] = os.pathsep.join([src] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name=NATIVE_KERNEL_NAME,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Q_th = 294.4 mA h/g" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3      # diagram, curve, cycling
