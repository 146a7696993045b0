"""The files of one npm package, for the scripts that vendor a browser library into the theme
(``vendor_katex.py``, ``vendor_fflate.py``): ``npm pack`` from the npm registry, read in memory."""
from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path


def npm_files(package: str, version: str) -> dict[str, bytes]:
    """``{path inside the package: bytes}`` of ``package@version``."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob(f"{package}-*.tgz"))
        with tarfile.open(tgz) as tar:
            return {m.name.removeprefix("package/"): tar.extractfile(m).read()
                    for m in tar.getmembers() if m.isfile()}
