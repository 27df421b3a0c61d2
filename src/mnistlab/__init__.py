"""mnistlab: the classic MNIST classification study as a fast, tested toolkit.

Subpackages, in dependency order (each imports only from those before it):
``data``, ``preprocessing``, ``models``, ``evaluation``, ``tasks``, ``plots``,
``report``; the command line (``mnistlab.cli``) sits on top.
"""

from mnistlab._errors import InputError, MnistlabError
from mnistlab._progress import Progress, TqdmProgress

__version__ = "0.1.0"

__all__ = ["InputError", "MnistlabError", "Progress", "TqdmProgress", "__version__"]
