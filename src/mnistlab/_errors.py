"""Exceptions shared by the whole package.

The command line maps :class:`InputError` (the user's input is wrong) to exit
code 2 with one line on stderr, and any other :class:`MnistlabError` to exit
code 1.
"""


class MnistlabError(Exception):
    """Base class of the errors mnistlab raises on purpose."""


class InputError(MnistlabError, ValueError):
    """The input (a file, a directory, an option) is wrong; the message says what to do."""
