"""Data parallel training with ``torch.distributed`` DistributedDataParallel, and the linear
scaling rule.

Each of W workers holds a copy of the model and takes its own b examples of every global batch
of W*b; DDP averages the gradients over the workers (all-reduce), so one step is the step a single
process would take on the whole W*b batch. A larger batch gives a less noisy gradient, and the
linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD") multiplies the learning
rate by the same factor: ``lr = base_lr * (W * b) / base_batch``.

Run it on one machine with two CPU processes (gloo backend; NCCL on CUDA GPUs)::

    torchrun --standalone --nproc_per_node=2 -m lrlearn.deep.ddp --per-worker-batch 32 \\
        --base-lr 0.05 --base-batch 32 --epochs 5

With one CUDA GPU per worker (``--nproc_per_node`` at most the number of GPUs) the workers use
NCCL and their GPUs; otherwise gloo on the CPU (``--backend`` overrides). A world size that does
not divide the training examples stops with a message (``--drop-last`` drops the remainder).

``data_parallel_check()`` does the same from Python (it starts CPU workers itself with
``torch.multiprocessing`` on a free port of 127.0.0.1) and compares the result with a single
process training at batch W*b.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import _checks
from ..plots import new_axes

__all__ = [
    "DDPConfig",
    "DataParallelCheck",
    "data_parallel_check",
    "free_port",
    "linear_scaled_lr",
    "shard_size",
    "train_worker",
]


def linear_scaled_lr(base_lr: float, base_batch: int, batch: int) -> float:
    """The linear scaling rule: ``base_lr * batch / base_batch`` (Goyal et al. 2017)."""
    base_lr = _checks.positive("base_lr", base_lr)
    base_batch = _checks.integer("base_batch", base_batch, minimum=1)
    batch = _checks.integer("batch", batch, minimum=1)
    return base_lr * batch / base_batch


def shard_size(n: int, world_size: int, *, drop_last: bool = False) -> int:
    """Examples per worker when ``n`` examples are split over ``world_size`` workers. Unequal
    shards would make the averaged gradient differ from the full-batch one, so a world size that
    does not divide ``n`` is an error, unless ``drop_last=True`` drops the remainder."""
    n = _checks.integer("n", n, minimum=1)
    world_size = _checks.integer("world_size", world_size, minimum=1)
    drop_last = _checks.flag("drop_last", drop_last)
    if n < world_size:
        raise ValueError(f"world_size={world_size} is larger than the {n} examples to share (n={n})")
    if n % world_size and not drop_last:
        raise ValueError(
            f"world_size={world_size} does not divide the {n} training examples (n={n}, remainder "
            f"{n % world_size}); use a world size that divides it, fewer examples, or "
            f"drop_last=True to drop the last {n % world_size}")
    return n // world_size


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    host = _checks.string("host", host)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, 0))
        except OSError as exc:  # unknown name, or an address not on this machine
            raise ValueError(f"host must be a local address such as '127.0.0.1', got {host!r}: "
                             f"{exc}") from exc
        return int(s.getsockname()[1])


@dataclass
class DDPConfig:
    """What every worker trains: an MLP on the first ``n`` training digits (all when None),
    ``per_worker_batch`` examples per worker per step, SGD with the linearly scaled lr."""

    per_worker_batch: int = 16
    base_lr: float = 0.05
    base_batch: int = 16
    epochs: int = 1
    n: int | None = None
    hidden: tuple[int, ...] = (32,)
    momentum: float = 0.0
    seed: int = 0
    float64: bool = False
    drop_last: bool = False
    threads: int = 1
    backend: str | None = None

    def __post_init__(self) -> None:
        self.per_worker_batch = _checks.integer("per_worker_batch", self.per_worker_batch, minimum=1)
        self.base_lr = _checks.positive("base_lr", self.base_lr)
        self.base_batch = _checks.integer("base_batch", self.base_batch, minimum=1)
        self.epochs = _checks.integer("epochs", self.epochs, minimum=1)
        if self.n is not None:
            self.n = _checks.integer("n", self.n, minimum=1)
        if isinstance(self.hidden, str) or not isinstance(self.hidden, tuple | list):
            raise TypeError(f"hidden must be a tuple of widths, got {self.hidden!r}")
        self.hidden = tuple(_checks.integer("hidden", h, minimum=1) for h in self.hidden)
        self.float64 = _checks.flag("float64", self.float64)
        self.drop_last = _checks.flag("drop_last", self.drop_last)
        self.momentum = _checks.in_range("momentum", self.momentum, 0.0, 1.0, high_open=True)
        self.seed = _checks.integer("seed", self.seed, minimum=0)
        self.threads = _checks.integer("threads", self.threads, minimum=1)
        if self.backend is not None:
            self.backend = _checks.choice("backend", self.backend, ("gloo", "nccl"))

    def lr(self, world_size: int) -> float:
        return linear_scaled_lr(self.base_lr, self.base_batch, world_size * self.per_worker_batch)


def _data(cfg: DDPConfig, world_size: int, device: torch.device):
    from .models import digits_tensors

    dtype = torch.float64 if cfg.float64 else torch.float32
    X, y = digits_tensors(n=cfg.n, dtype=dtype, device=device)
    keep = shard_size(len(y), world_size, drop_last=cfg.drop_last) * world_size
    return X[:keep], y[:keep]


def _model(cfg: DDPConfig, device: torch.device) -> torch.nn.Module:
    from .models import mlp

    dtype = torch.float64 if cfg.float64 else torch.float32
    return mlp(64, cfg.hidden, 10, dtype=dtype, seed=cfg.seed).to(device)


def _batches(n: int, global_batch: int, epochs: int, seed: int):
    """The same order of examples as :func:`lrlearn.deep.train.train` with ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for first in range(0, n, global_batch):
            yield order[first:first + global_batch]


def train_worker(cfg: DDPConfig, data: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> dict[str, Any]:
    """Train in an initialised process group (one call per worker). Every worker takes its equal
    contiguous share of each global batch. ``data`` is ``(X, y)`` as from ``_data`` (loaded here
    when None). Returns (on every rank) the per-step loss over the global batch, the final
    flattened parameters, and the settings."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    _checks.instance("cfg", cfg, DDPConfig)
    if data is not None and not (isinstance(data, tuple | list) and len(data) == 2):
        raise TypeError(f"data must be a pair (X, y) or None, got {data!r}")
    if not dist.is_initialized():
        raise RuntimeError("train_worker runs inside an initialised process group "
                           "(torch.distributed.init_process_group); see data_parallel_check")
    rank, world = dist.get_rank(), dist.get_world_size()
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if data is None:
        X, y = _data(cfg, world, device)
    else:
        X, y = (torch.as_tensor(a).to(device) for a in data)
    model = _model(cfg, device)
    ddp = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    lr = cfg.lr(world)
    opt = torch.optim.SGD(ddp.parameters(), lr=lr, momentum=cfg.momentum)
    losses = []
    for idx in _batches(len(y), world * cfg.per_worker_batch, cfg.epochs, cfg.seed):
        mine = idx.view(world, -1)[rank].to(device)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(ddp(X[mine]), y[mine])
        loss.backward()  # DDP all-reduces (averages) the gradients here
        opt.step()
        total = loss.detach().clone()
        dist.all_reduce(total)  # equal shards: the mean of the workers' means is the global mean
        losses.append(float(total) / world)
    params = torch.cat([p.detach().flatten() for p in model.parameters()]).cpu().double()
    return {"rank": rank, "world_size": world, "lr": lr, "loss": np.array(losses),
            "params": params.numpy(), "backend": dist.get_backend(), "device": str(device),
            "n": len(y)}


def _spawn_entry(rank: int, world: int, port: int, cfg_dict: dict,
                 data: tuple[np.ndarray, np.ndarray], out: str) -> None:
    import torch.distributed as dist

    try:
        cfg = DDPConfig(**cfg_dict)
        torch.set_num_threads(cfg.threads)
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=world)
        try:
            result = train_worker(cfg, data)
        finally:
            dist.destroy_process_group()
        np.savez(Path(out) / f"rank{rank}.npz", loss=result["loss"], params=result["params"],
                 lr=result["lr"], n=result["n"])
    except BaseException:
        (Path(out) / f"rank{rank}.err").write_text(traceback.format_exc())
        raise


@dataclass
class DataParallelCheck:
    """A DDP run with ``world_size`` workers against one process at the global batch."""

    world_size: int
    per_worker_batch: int
    lr: float
    base_lr: float
    base_batch: int
    ddp_loss: np.ndarray
    single_loss: np.ndarray
    ddp_params: np.ndarray = field(repr=False)
    single_params: np.ndarray = field(repr=False)
    workers_agree: float = 0.0

    @property
    def global_batch(self) -> int:
        return self.world_size * self.per_worker_batch

    @property
    def max_abs_diff(self) -> float:
        """Largest difference between the DDP and the single-process parameters."""
        return float(np.max(np.abs(self.ddp_params - self.single_params)))

    def __repr__(self) -> str:
        return (f"DataParallelCheck({self.world_size} workers x batch {self.per_worker_batch} = "
                f"{self.global_batch}; lr = {self.base_lr:g} * {self.global_batch}/"
                f"{self.base_batch} = {self.lr:g}; {len(self.ddp_loss)} steps; max |DDP - single "
                f"process| = {self.max_abs_diff:.2e})")

    def plot(self, ax: Any = None) -> Any:
        """Loss per step: DDP and the single process on top of each other."""
        ax = new_axes(ax, (6, 3.4), pyplot=True)
        fig = ax.figure
        steps = np.arange(1, len(self.ddp_loss) + 1)
        ax.plot(steps, self.single_loss, lw=3, alpha=0.4,
                label=f"1 process, batch {self.global_batch}")
        ax.plot(steps, self.ddp_loss, "--", label=f"DDP, {self.world_size} x {self.per_worker_batch}")
        ax.set(xlabel="step", ylabel="training loss", title=f"lr = {self.lr:g} (linear scaling)")
        ax.legend()
        return fig


def single_process(cfg: DDPConfig, world_size: int) -> tuple[np.ndarray, np.ndarray]:
    """What one process gets with :func:`lrlearn.deep.train.train` at batch ``world_size *
    per_worker_batch`` and the same (scaled) lr: ``(loss per step, final parameters)``."""
    from .train import train

    device = torch.device("cpu")
    X, y = _data(cfg, world_size, device)
    model = _model(cfg, device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr(world_size), momentum=cfg.momentum)
    hist = train(model, (X, y), opt, batch_size=world_size * cfg.per_worker_batch,
                 epochs=cfg.epochs, seed=cfg.seed, device=device, progress=False)
    params = torch.cat([p.detach().flatten() for p in model.parameters()]).double().numpy()
    return hist.loss, params


def data_parallel_check(
    world_size: int = 2,
    *,
    per_worker_batch: int = 16,
    base_lr: float = 0.05,
    base_batch: int = 16,
    n: int | None = 128,
    epochs: int = 1,
    float64: bool = True,
    timeout: float = 120.0,
    **config: Any,
) -> DataParallelCheck:
    """Start ``world_size`` CPU workers (gloo, ``torch.multiprocessing`` spawn, a free port on
    127.0.0.1), train with DDP, and compare with one process at batch ``world_size *
    per_worker_batch``. Both use ``lr = base_lr * world_size * per_worker_batch / base_batch``.
    Raises ``TimeoutError`` if the workers take longer than ``timeout`` seconds, and
    ``RuntimeError`` with a worker's traceback if one fails."""
    import torch.multiprocessing as mp

    world_size = _checks.integer("world_size", world_size, minimum=1, maximum=64)
    timeout = _checks.positive("timeout", timeout)
    float64 = _checks.flag("float64", float64)
    cfg = DDPConfig(per_worker_batch=per_worker_batch, base_lr=base_lr, base_batch=base_batch,
                    n=n, epochs=epochs, float64=float64, **config)
    X, y = _data(cfg, world_size, torch.device("cpu"))  # a world size that does not divide: error
    data = (X.numpy(), y.numpy())  # sent to the workers, which then need not load the digits

    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="lrlearn-ddp-") as out:
        port = free_port()
        procs = [ctx.Process(target=_spawn_entry, args=(r, world_size, port, asdict(cfg), data, out),
                             daemon=True) for r in range(world_size)]
        for p in procs:
            p.start()
        _join(procs, timeout, Path(out))
        results = [np.load(Path(out) / f"rank{r}.npz") for r in range(world_size)]
        ddp_loss, ddp_params = results[0]["loss"], results[0]["params"]
        spread = max(float(np.max(np.abs(r["params"] - ddp_params))) for r in results)
        lr = float(results[0]["lr"])
    single_loss, single_params = single_process(cfg, world_size)
    return DataParallelCheck(world_size=world_size, per_worker_batch=cfg.per_worker_batch, lr=lr,
                             base_lr=cfg.base_lr, base_batch=cfg.base_batch, ddp_loss=ddp_loss,
                             single_loss=single_loss, ddp_params=ddp_params,
                             single_params=single_params, workers_agree=spread)


def _join(procs: Sequence[Any], timeout: float, out: Path) -> None:
    import time

    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    alive = [p for p in procs if p.is_alive()]
    for p in alive:
        p.terminate()
    for p in alive:
        p.join(5)
        if p.is_alive():
            p.kill()
    errors = sorted(out.glob("rank*.err"))
    if errors:
        raise RuntimeError(f"a data-parallel worker failed:\n{errors[0].read_text()}")
    if alive:
        raise TimeoutError(f"data-parallel workers did not finish within {timeout:g} s")
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    if bad:
        raise RuntimeError(f"data-parallel workers exited with codes {bad}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point for ``torchrun ... -m lrlearn.deep.ddp``."""
    import torch.distributed as dist

    parser = argparse.ArgumentParser(prog="python -m lrlearn.deep.ddp",
                                     description="DDP on the digits, launched by torchrun.")
    parser.add_argument("--per-worker-batch", type=int, default=32)
    parser.add_argument("--base-lr", type=float, default=0.05)
    parser.add_argument("--base-batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--hidden", type=int, nargs="*", default=[64])
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drop-last", action="store_true")
    parser.add_argument("--backend", choices=["gloo", "nccl"], default=None,
                        help="default: nccl when every worker has a CUDA GPU, else gloo")
    args = parser.parse_args(argv)
    if "RANK" not in os.environ:
        parser.error("run me with torchrun, e.g. torchrun --standalone --nproc_per_node=2 "
                     "-m lrlearn.deep.ddp")
    cfg = DDPConfig(per_worker_batch=args.per_worker_batch, base_lr=args.base_lr,
                    base_batch=args.base_batch, epochs=args.epochs, hidden=tuple(args.hidden),
                    momentum=args.momentum, seed=args.seed, drop_last=args.drop_last,
                    backend=args.backend)
    world = int(os.environ["WORLD_SIZE"])
    backend = cfg.backend or ("nccl" if torch.cuda.is_available()
                              and torch.cuda.device_count() >= world else "gloo")
    torch.set_num_threads(cfg.threads)
    dist.init_process_group(backend)
    try:
        try:
            result = train_worker(cfg)
        except ValueError as exc:  # e.g. a world size that does not divide the data
            if dist.get_rank() == 0:
                print(f"lrlearn.deep.ddp: error: {exc} (here: --drop-last)", file=sys.stderr)
            raise SystemExit(2) from None
        if result["rank"] == 0:
            from .train import evaluate

            b = cfg.per_worker_batch
            print(f"{world} workers ({result['backend']}, {result['device']}) x batch {b} = "
                  f"global batch {world * b}; lr = {cfg.base_lr:g} * {world * b}/"
                  f"{cfg.base_batch} = {result['lr']:g} (linear scaling rule)")
            model = _model(cfg, torch.device("cpu"))
            torch.nn.utils.vector_to_parameters(
                torch.as_tensor(result["params"], dtype=next(model.parameters()).dtype),
                model.parameters())
            from .models import digits_tensors

            Xt, yt = digits_tensors("test")
            loss = result["loss"]
            print(f"{len(loss)} steps on {result['n']} examples: loss {loss[0]:.4f} -> "
                  f"{loss[-1]:.4f}; test accuracy {evaluate(model, Xt, yt):.3f}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
