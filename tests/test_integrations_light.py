"""`import sitegen` (and the integrations package itself) imports no framework."""
from __future__ import annotations

import subprocess
import sys

FRAMEWORKS = ["torch", "lightning", "pytorch_lightning", "transformers", "keras", "xgboost",
              "lightgbm", "optuna", "sklearn", "mlflow", "tensorboard", "psutil", "numpy"]


def test_import_sitegen_imports_no_framework() -> None:
    code = ("import sys, sitegen, sitegen.integrations, sitegen.importers; "
            "sitegen.get_logger; "
            f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
