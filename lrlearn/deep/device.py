"""Which device to run on: CUDA if present, else Apple MPS, else CPU — and say why.

    resolve_device()                        # best available, silently
    resolve_device(verbose=True)            # one line: "lrlearn: using cpu (8 threads) (no CUDA ...)"
    resolve_device("cuda")                  # RuntimeError on a machine without CUDA ...
    resolve_device("cuda", fallback=True)   # ... or the best available device, if asked for
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import torch

from .. import _checks

__all__ = ["cpu_threads", "cuda_available", "describe_device", "mps_available", "resolve_device"]

log = logging.getLogger("lrlearn.deep")

_KNOWN = ("cpu", "cuda", "mps")


def cuda_available() -> bool:
    """True when torch sees at least one CUDA device."""
    return bool(torch.cuda.is_available())


def mps_available() -> bool:
    """True when torch was built with Apple's Metal backend and the machine has it."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _auto() -> tuple[torch.device, str]:
    if cuda_available():
        name = torch.cuda.get_device_name(0)
        return torch.device("cuda", 0), f"CUDA GPU found: {name}"
    if mps_available():
        return torch.device("mps"), "no CUDA GPU; Apple MPS found"
    return torch.device("cpu"), "no CUDA GPU, no Apple MPS"


def describe_device(device: torch.device) -> str:
    """A short human name: ``"cuda:0 (NVIDIA H100)"``, ``"mps"``, ``"cpu (8 threads)"``,
    ``"cpu (1 thread)"``."""
    _checks.torch_device("device", device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'s' if threads != 1 else ''})"
    return str(device)


def _say(verbose: bool, message: str) -> None:
    log.info(message)
    if verbose:
        print(message)


def resolve_device(
    device: str | torch.device | None = None, *, fallback: bool = False, verbose: bool = False
) -> torch.device:
    """The device to use.

    ``None`` (or ``"auto"``) picks CUDA, then MPS, then CPU. A name (``"cpu"``, ``"cuda"``,
    ``"cuda:1"``, ``"mps"``) or a ``torch.device`` is checked: if it is not available this raises
    ``RuntimeError`` — unless ``fallback=True``, which returns the best available device instead.
    With ``verbose=True`` one line says which device and why (it is always logged at INFO level on
    the ``lrlearn.deep`` logger).
    """
    fallback = _checks.flag("fallback", fallback)
    verbose = _checks.flag("verbose", verbose)
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        chosen, why = _auto()
        _say(verbose, f"lrlearn: using {describe_device(chosen)} ({why})")
        return chosen
    if isinstance(device, str):
        try:
            parsed = torch.device(device.strip().lower())
        except RuntimeError as exc:
            raise ValueError(
                f"device must be one of {['auto', *_KNOWN]} (optionally with an index, e.g. "
                f"'cuda:0') or a torch.device, got {device!r}"
            ) from exc
    elif isinstance(device, torch.device):
        parsed = device
    else:
        raise TypeError(
            f"device must be a str, a torch.device or None, got {device!r} ({type(device).__name__})"
        )
    if parsed.type not in _KNOWN:
        raise ValueError(f"device must be one of {['auto', *_KNOWN]}, got {device!r}")

    problem = _unavailable(parsed)
    if problem is None:
        _say(verbose, f"lrlearn: using {describe_device(parsed)} (asked for {device!s})")
        return parsed
    if not fallback:
        raise RuntimeError(
            f"device {str(device)!r} was asked for but {problem}; pass device=None to pick the "
            "best available device, or fallback=True to fall back to it"
        )
    chosen, why = _auto()
    _say(verbose, f"lrlearn: using {describe_device(chosen)} ({device!s} asked for but {problem}; "
                  f"fell back: {why})")
    return chosen


def _unavailable(device: torch.device) -> str | None:
    """None when ``device`` can be used, else the reason it cannot."""
    if device.type == "cpu":
        return None
    if device.type == "mps":
        return None if mps_available() else "Apple MPS is not available here"
    if not cuda_available():
        return "CUDA is not available here (torch " + torch.__version__ + ")"
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        return f"there is no CUDA device {device.index} (found {count})"
    return None


@contextlib.contextmanager
def cpu_threads(device: torch.device, n: int | None) -> Iterator[None]:
    """Run with ``n`` intra-op CPU threads on a CPU device, restoring the old number after
    (``None``: leave it). Tiny models gain nothing from more threads, and on a busy machine
    extra threads mostly wait for each other."""
    _checks.torch_device("device", device)
    if n is not None:
        n = _checks.integer("n", n, minimum=1, maximum=4096)
    if device.type != "cpu" or n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
