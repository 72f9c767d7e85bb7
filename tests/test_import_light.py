"""`import signal_diagnostics` stays light: heavy libraries load only where used."""

import subprocess
import sys

HEAVY = ("tensorflow", "keras", "shap", "dask", "torch", "jax", "cleanlab", "mne")


def test_import_diagnose_does_not_import_heavy_libraries():
    code = (
        "import sys, signal_diagnostics; signal_diagnostics.Dataset; signal_diagnostics.load; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_loading_and_inspecting_data_stays_light():
    code = (
        "import sys, signal_diagnostics; from signal_diagnostics.cli import main; main(['inspect', 'synthetic:bump?n=20']); "
        f"print('HEAVY:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:"
