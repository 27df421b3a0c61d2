"""The ``mnistlab`` command line: parse, call the library, render the result.

Every command shares ``--data``, ``--seed``, ``--n-jobs``, ``--quick``, ``--out``,
``--overwrite``, ``--quiet``, ``--verbose`` and ``--debug``. Bad input gets one
line on stderr and exit code 2; Ctrl-C exits 130; other failures exit 1. No
traceback unless ``--debug`` (or ``MNISTLAB_DEBUG=1``).

One module per group of commands; importing them registers their commands on
:data:`app`, in the order ``mnistlab --help`` lists them. Nothing heavy (numpy,
scikit-learn, matplotlib, ...) is imported until a command runs.
"""

from __future__ import annotations

import os
import sys
import traceback

# Importing a module registers its commands: this order is the order of --help.
# isort: off
from mnistlab.cli import _data  # noqa: F401
from mnistlab.cli import _binary  # noqa: F401
from mnistlab.cli import _multiclass  # noqa: F401
from mnistlab.cli import _denoise  # noqa: F401
from mnistlab.cli import _train  # noqa: F401
from mnistlab.cli import _serve  # noqa: F401
from mnistlab.cli import _study  # noqa: F401
from mnistlab.cli import _cache  # noqa: F401

# isort: on
from mnistlab.cli._common import app, err_console

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``mnistlab`` script."""
    # what matplotlib.use("Agg") did, without importing matplotlib for --help
    os.environ["MPLBACKEND"] = "Agg"
    try:
        app()
    except KeyboardInterrupt:  # raised outside a command (e.g. while importing)
        err_console.print("interrupted")
        sys.exit(130)
    except Exception:
        traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
