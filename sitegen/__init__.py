"""sitegen: record machine-learning runs and publish them as a static website.

    from sitegen import get_logger
    get_logger().log("Accuracy", 0.68)

Importing this package stays cheap: no pandas, altair or jinja2 on this path.
"""
from sitegen.logger import Run, get_logger, start_run

__version__ = "0.1.0"
DISTRIBUTION = "sitegen-runs"  # the name on the package index (`pip install sitegen-runs`)
__all__ = ["Run", "get_logger", "start_run", "__version__"]
