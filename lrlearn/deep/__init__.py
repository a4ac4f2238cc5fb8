"""Everything that needs PyTorch. Submodules import torch; ``import lrlearn`` never does.

Names are loaded lazily on first use, so ``import lrlearn.deep`` stays cheap until a function runs.
``lrlearn.deep.train`` is the training function (its module is ``lrlearn.deep.train`` too: import
from it with ``from lrlearn.deep.train import ...``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "range_test": "lr_finder",
    # device choice
    "resolve_device": "device",
    "describe_device": "device",
    "cuda_available": "device",
    "mps_available": "device",
    "cpu_threads": "device",
    # models and data
    "mlp": "models",
    "digits_tensors": "models",
    # training loop
    "train": "train",
    "TrainHistory": "train",
    "as_torch_scheduler": "train",
    # sharpness and the edge of stability
    "top_hessian_eigenvalue": "sharpness",
    "exact_hessian_eigenvalues": "sharpness",
    "edge_of_stability": "sharpness",
    "EdgeOfStabilityResult": "sharpness",
    # throughput and memory against the batch size
    "measure_throughput": "throughput",
    "ThroughputResult": "throughput",
    "powers_of_two": "throughput",
    "PowersOfTwoResult": "throughput",
    "peak_step_memory": "throughput",
    # transfer learning
    "transfer_experiment": "transfer",
    "TransferResult": "transfer",
    "TransferSeeds": "transfer",
    "TransferTuned": "transfer",
    "param_groups": "transfer",
    "transfer_over_seeds": "transfer",
    "tune_head_lr": "transfer",
    # the Adam era
    "TinyTransformerLM": "transformer",
    "train_lm": "transformer",
    "StepLog": "step_log",
    "preconditioned_sharpness": "adaptive_eos",
    "adam_preconditioner": "adaptive_eos",
    "adaptive_edge_of_stability": "adaptive_eos",
    "self_stabilisation": "adaptive_eos",
    "train_ensemble": "adam_ensemble",
    "scaling_rules": "adam_batch",
    "optimal_lr_vs_batch": "adam_batch",
    "warmup_grid": "adam_warmup",
    "warmup_search": "adam_warmup",
    "sharpness_during_warmup": "adam_warmup",
    "spike_run": "loss_spikes",
    "spike_study": "loss_spikes",
    # data parallel
    "data_parallel_check": "ddp",
    "DataParallelCheck": "ddp",
    "DDPConfig": "ddp",
    "linear_scaled_lr": "ddp",
    "shard_size": "ddp",
}

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """When a submodule is imported, Python binds it as an attribute of this package; for a
    submodule named like the function it exports (``train``), bind the function instead, so
    ``lrlearn.deep.train`` is always the function whatever was imported first."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
