"""The quickstart notebook runs from top to bottom and shows what it promises.

``examples/quickstart.ipynb`` is executed with nbclient in a kernel of this very interpreter (a
kernelspec written for the test, so no other environment's ``python3`` kernel is picked up); any error
fails the test. Its outputs are then read: the answers card renders as HTML and the attention cell
prints a level.
"""

import json
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"
CELL_TIMEOUT_S = 600  # one cell at most: the deep-model report, about a minute on 2 idle cores
KERNEL = "signal-diagnostics-test"

pytestmark = pytest.mark.notebook


def _html_outputs(cell) -> list[str]:
    return [o["data"]["text/html"] for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]


def _text_outputs(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebook")
    spec = tmp / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(tmp))  # searched first: this interpreter's kernel
        mp.setenv("TMPDIR", str(tmp))  # the notebook's cache folder lands here, not in /tmp
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        nb = nbformat.read(NOTEBOOK, as_version=4)
        start = time.perf_counter()
        client = nbclient.NotebookClient(
            nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(tmp)}}
        )
        client.execute()  # raises CellExecutionError on the first cell that fails
        print(f"quickstart.ipynb executed in {time.perf_counter() - start:.0f} s")
    return nb


def test_notebook_shows_the_answers_card(executed):
    cards = [html for cell in executed.cells for html in _html_outputs(cell) if 'data-answer="signal"' in html]
    assert cards, "no cell displayed the Diagnosis answers card"
    for question in ("signal", "how_much", "more_data", "deep", "attention", "where"):
        assert f'data-answer="{question}"' in cards[0]


def test_notebook_prints_the_attention_answer_of_the_user_model(executed):
    printed = "".join(_text_outputs(c) for c in executed.cells if c.cell_type == "code")
    level = re.search(r"attention level: (helps|adds nothing|hurts) \(", printed)
    assert level, f"no attention level printed; the notebook printed:\n{printed[-2000:]}"


def test_notebook_draws_the_learning_curve(executed):
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the learning-curve cell showed no figure"
