"""Logging of a workflow job: its log file, and one line per warning or error on the console."""

from __future__ import annotations

import logging

from rnn_ensembles.io import DataFileError

log = logging.getLogger("rnn_ensembles")


def log_to(path, *copies) -> None:
    """Send this process's log and stderr (TensorFlow's messages too) to ``path``, and the
    log also to each of ``copies`` (the other networks of a training stack).

    Warnings and errors of the workflow also go, one line each, to the original stderr,
    which Snakemake shows.  A bad input file (:class:`DataFileError`) ends the job with
    its one-line message naming the file, not a traceback; any other uncaught exception
    writes its traceback to the log, as usual.
    """
    import os
    import sys

    console = os.fdopen(os.dup(2), "w", buffering=1)
    handle = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the job
    os.dup2(handle.fileno(), 2)  # TensorFlow's C++ side writes to file descriptor 2
    sys.stderr = handle
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    for copy in copies:
        also = logging.FileHandler(copy)
        also.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(also)
    to_console = logging.StreamHandler(console)
    to_console.setLevel(logging.WARNING)
    to_console.setFormatter(_OneLine())
    log.addHandler(to_console)

    def report(kind, error, trace):
        if isinstance(error, DataFileError):
            log.error("%s", error)
        else:
            sys.__excepthook__(kind, error, trace)
            print(f"{kind.__name__}: {error} (traceback in {path})", file=console)

    sys.excepthook = report


class _OneLine(logging.Formatter):
    """The message alone, without a traceback: the log file holds the details."""

    def format(self, record):
        return f"{record.levelname}: {record.getMessage()}"
