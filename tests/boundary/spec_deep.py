"""lrlearn.deep (torch): the trainer, models, sharpness, throughput, range test, DDP helpers and
transfer. Slow experiments get refusal-only entries (``refuse_only``): every bad value must be
refused before any work starts."""

from __future__ import annotations

import torch

from boundary.kinds import BOOL, FLOAT, FUNC, INT, OBJ, STR, Covered, Entry, Lazy, bad, cached, mix
from lrlearn import schedules as S
from lrlearn.deep import models as M

NAN = float("nan")
DATA = cached(lambda: M.digits_tensors(n=64))


def _model():
    return M.mlp(64, (8,), 10, seed=0)


def _data_bad():
    X, y = DATA()
    return bad(
        None,
        3,
        "x",
        (X,),
        (X, y[:10]),
        (X, y + 10),
        (X, y - 20),
        (X[:, :5], y),
        (X.long(), y),
        (X * NAN, y),
        (X, y.float()[:, None]),
        (X[:0], y[:0]),
    )


def _sgd(params):
    return torch.optim.SGD(params, lr=0.1)


def _history(h):
    assert isinstance(h.status, str)
    h.plot()


def refuse_only(target, args, kinds, **kw):
    """An experiment too slow to run here: only refusals (each must come before any work)."""
    return Entry(target, args=args, kinds=kinds, refuse_only=True, timeout=5.0, **kw)


HIDDEN = bad(None, "x", (0,), (-1,), (1.5,), 0, ("a",))
DEVICE = mix(bad(3, "tpu", "cuda:99x", []), extreme=("cpu", None))
DTYPE = bad("float32", 3, torch.int64, None)
LOSS = bad("l1", 3, None)

ENTRIES = [
    Entry(
        "lrlearn.deep.train.train",
        args={
            "model": Lazy(_model),
            "data": DATA,
            "optimizer": _sgd,
            "epochs": 1,
            "batch_size": 32,
            "progress": False,
        },
        kinds={
            "model": OBJ,
            "data": Lazy(lambda: None) and _data_bad(),
            "optimizer": bad(3, "sgd", None, lambda p: 3),
            "schedule": mix(
                bad(
                    3,
                    "cos",
                    S.one_cycle_lr(0.1, total_steps=1),
                    lambda t: -1.0,
                    S.ReduceLROnPlateau(0.1),
                ),
                extreme=(S.constant(1e300),),
            ),
            "batch_size": mix(INT, bad=(0, -1), extreme=(10**12,)),
            "epochs": mix(INT, bad=(0, -1), extreme=(10**12,)),
            "accumulate": mix(INT, bad=(0,)),
            "loss": LOSS,
            "amp": bad("no", 1, torch.int64),
            "shuffle": BOOL,
            "progress": BOOL,
            "test_data": mix(_data_bad(), allow=lambda v: v is None),
            "device": DEVICE,
        },
        then=_history,
        examples=12,
        timeout=20,
    ),
    Entry(
        "lrlearn.deep.train.train",
        id="train(huge lr)",
        args={
            "model": Lazy(_model),
            "data": DATA,
            "epochs": 2,
            "progress": False,
            "optimizer": lambda p: torch.optim.SGD(p, lr=1e300),
        },
        then=lambda h: (_history(h), h.diverged or (_ for _ in ()).throw(AssertionError(h))),
    ),
    Entry(
        "lrlearn.deep.train.as_torch_scheduler",
        args={
            "optimizer": Lazy(lambda: _sgd(_model().parameters())),
            "schedule": Lazy(lambda: S.step_lr(0.1, 5)),
        },
        kinds={"optimizer": OBJ, "schedule": bad(3, "x", None, S.ReduceLROnPlateau(0.1))},
    ),
    Entry(
        "lrlearn.deep.train.autocast_dtype",
        args={"device": torch.device("cpu"), "amp": True},
        kinds={"device": OBJ, "amp": bad("no", 1, 0.5, torch.int64)},
    ),
    Covered(
        "lrlearn.deep.train.TrainHistory",
        "result type built by train above; status and "
        "plot() are exercised on every accepted call, divergence in 'train(huge lr)'",
    ),
    Entry(
        "lrlearn.deep.models.mlp",
        args={"n_in": 4, "hidden": (3,), "n_out": 2},
        kinds={
            "n_in": mix(INT, bad=(0, -1), extreme=(10**12,)),
            "hidden": HIDDEN,
            "n_out": mix(INT, bad=(0,), extreme=(10**12,)),
            "activation": bad("sigmoidx", 3, None),
            "dtype": DTYPE,
            "seed": mix(INT, bad=(-1,)),
        },
    ),
    Entry(
        "lrlearn.deep.models.digits_tensors",
        args={"n": 20},
        kinds={
            "split": bad("valid", None, 3),
            "classes": bad("x", [10], [-1], [], [1.5], 3),
            "relabel": BOOL,
            "n": mix(INT, bad=(0, -1), extreme=(10**12,)).optional(),
            "dtype": DTYPE,
            "device": DEVICE,
        },
    ),
    Entry(
        "lrlearn.deep.device.resolve_device",
        kinds={"device": DEVICE, "fallback": BOOL, "verbose": BOOL},
    ),
    Entry(
        "lrlearn.deep.device.describe_device",
        args={"device": torch.device("cpu")},
        kinds={"device": bad(None, 3, [])},
    ),
    Entry(
        "lrlearn.deep.device.cpu_threads",
        args={"device": torch.device("cpu"), "n": 1},
        call=lambda device, n: _enter(
            M and __import__("lrlearn.deep.device", fromlist=["x"]).cpu_threads(device, n)
        ),
        kinds={"device": bad(None, 3), "n": mix(INT, bad=(0, -1), extreme=(10**12,)).optional()},
    ),
    Entry("lrlearn.deep.device.cuda_available"),
    Entry("lrlearn.deep.device.mps_available"),
]


def _enter(cm):
    with cm:
        return None


_ = (FLOAT, FUNC, STR)


def _tiny():
    return M.mlp(64, (2,), 10, seed=0, dtype=torch.float64)


XY64 = cached(lambda: M.digits_tensors(n=16, dtype=torch.float64))
X_BAD = cached(
    lambda: bad(None, "x", XY64()[0][:, :5], XY64()[0][:3], XY64()[0] * NAN, XY64()[0].long())
)
Y_BAD = cached(
    lambda: bad(
        None, "x", XY64()[1][:3], XY64()[1] + 10, XY64()[1] - 20, XY64()[1].float()[:, None]
    )
)


def _grads_params():
    model = _tiny()
    X, y = XY64()
    from lrlearn.deep.sharpness import training_loss

    params = [p for p in model.parameters()]
    grads = torch.autograd.grad(training_loss(model, X, y), params, create_graph=True)
    return grads, params


GP = cached(_grads_params)


def _loader():
    X, y = M.digits_tensors(n=64)
    return [(X[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]


ENTRIES += [
    Entry(
        "lrlearn.deep.sharpness.training_loss",
        args={"model": Lazy(_tiny), "X": Lazy(lambda: XY64()[0]), "y": Lazy(lambda: XY64()[1])},
        kinds={"model": OBJ, "X": Lazy(X_BAD) and X_BAD(), "y": Y_BAD(), "loss": LOSS},
    ),
    Entry(
        "lrlearn.deep.sharpness.top_hessian_eigenvalue",
        args={
            "model": Lazy(_tiny),
            "X": Lazy(lambda: XY64()[0]),
            "y": Lazy(lambda: XY64()[1]),
            "iters": 5,
        },
        kinds={
            "model": OBJ,
            "X": X_BAD(),
            "y": Y_BAD(),
            "loss": LOSS,
            "iters": mix(INT, bad=(0, -1), extreme=(10**12,)),
            "tol": mix(FLOAT, bad=(-1.0,)),
            "start": bad(3, "x", [torch.zeros(2)]),
            "return_vector": BOOL,
        },
    ),
    Entry(
        "lrlearn.deep.sharpness.exact_hessian_eigenvalues",
        args={"model": Lazy(_tiny), "X": Lazy(lambda: XY64()[0]), "y": Lazy(lambda: XY64()[1])},
        kinds={"model": OBJ, "X": X_BAD(), "y": Y_BAD(), "loss": LOSS},
    ),
    Entry(
        "lrlearn.deep.sharpness.hessian_vector_product",
        args={
            "grads": Lazy(lambda: GP()[0]),
            "params": Lazy(lambda: GP()[1]),
            "vector": Lazy(lambda: [torch.ones_like(p) for p in GP()[1]]),
        },
        kinds={
            "grads": bad(None, 3, []),
            "params": bad(None, 3, []),
            "vector": bad(None, 3, [], [torch.ones(2)]),
        },
    ),
    Entry(
        "lrlearn.deep.sharpness.edge_of_stability",
        args={
            "lr": 0.1,
            "steps": 10,
            "n": 20,
            "hidden": (4,),
            "every": 5,
            "iters": 2,
            "progress": False,
        },
        kinds={
            "lr": mix(FLOAT, bad=(0.0, -1.0), extreme=(1e300, 1e3)),
            "steps": mix(INT, bad=(0,), extreme=(10**12,)),
            "n": mix(INT, bad=(0,), extreme=(10**12,)),
            "hidden": HIDDEN,
            "activation": bad("x", None, 3),
            "loss": LOSS,
            "every": mix(INT, bad=(0,)),
            "iters": mix(INT, bad=(0,)),
            "dtype": DTYPE,
            "device": DEVICE,
            "threads": mix(INT, bad=(0,)).optional(),
            "progress": BOOL,
        },
        then=lambda r: r.plot(),
        timeout=20,
    ),
    Covered(
        "lrlearn.deep.sharpness.EdgeOfStabilityResult",
        "result type of edge_of_stability above (plot() drawn on every accepted call)",
    ),
    Entry(
        "lrlearn.deep.throughput.measure_throughput",
        args={
            "batch_sizes": (2, 4),
            "input_shape": (8,),
            "n_classes": 3,
            "steps": 1,
            "warmup": 0,
            "repeats": 1,
            "memory": False,
            "progress": False,
            "threads": 1,
        },
        kinds={
            "batch_sizes": bad(None, "x", [], [0], [1.5], [-2], [4, 2]),
            "model": mix(bad(3, "x", torch.nn.Linear(5, 3)), allow=lambda v: v is None),
            "input_shape": bad(None, "x", (), (0,), (1.5,)),
            "n_classes": mix(INT, bad=(0,)),
            "steps": mix(INT, bad=(0,), extreme=(10**12,)),
            "warmup": mix(INT, bad=(-1,), extreme=(10**12,)),
            "repeats": mix(INT, bad=(0,), extreme=(10**12,)),
            "memory": BOOL,
            "amp": bad("no", 1, torch.int64),
            "lr": mix(FLOAT, bad=(0.0, -1.0)),
            "progress": BOOL,
            "device": DEVICE,
        },
        then=lambda r: r.plot(),
        timeout=20,
    ),
    Entry(
        "lrlearn.deep.throughput.powers_of_two",
        args={
            "ks": (1, 2),
            "input_shape": (8,),
            "n_classes": 3,
            "steps": 1,
            "warmup": 0,
            "repeats": 1,
            "memory": False,
            "progress": False,
            "threads": 1,
        },
        kinds={"ks": bad(None, "x", [], [0], [1.5], [-1], [40])},
        timeout=20,
    ),
    Entry(
        "lrlearn.deep.throughput.peak_step_memory",
        args={"step": lambda: None, "device": torch.device("cpu")},
        kinds={"step": FUNC, "device": bad(None, 3, "cpu")},
    ),
    Entry(
        "lrlearn.deep.throughput.is_out_of_memory",
        args={"exc": RuntimeError("x")},
        kinds={"exc": bad(None, 3, "out of memory")},
    ),
    Covered("lrlearn.deep.throughput.ThroughputResult", "result of measure_throughput above"),
    Covered("lrlearn.deep.throughput.PowersOfTwoResult", "result of powers_of_two above"),
    Entry(
        "lrlearn.deep.lr_finder.range_test",
        args={
            "model": Lazy(_model),
            "optimizer": None,
            "criterion": torch.nn.CrossEntropyLoss(),
            "loader": Lazy(_loader),
            "start_lr": 1e-4,
            "end_lr": 10.0,
            "num_iter": 8,
            "progress": False,
        },
        call=lambda model, optimizer, **kw: __import__(
            "lrlearn.deep.lr_finder", fromlist=["x"]
        ).range_test(
            model,
            torch.optim.SGD(model.parameters(), lr=0.1)
            if optimizer is None and isinstance(model, torch.nn.Module)
            else optimizer,
            **kw,
        ),
        kinds={
            "model": OBJ,
            "optimizer": bad(3, "sgd"),
            "criterion": bad(None, 3, "ce"),
            "loader": bad(None, 3, [], [(1, 2)], "x"),
            "start_lr": mix(FLOAT, bad=(0.0, -1.0, 100.0)).optional(),
            "end_lr": mix(FLOAT, bad=(0.0, -1.0), extreme=(1e300,)),
            "num_iter": mix(INT, bad=(0, 1), extreme=(10**12,)),
            "step_mode": bad("log", None),
            "smooth_f": mix(FLOAT, bad=(1.0, -0.1)),
            "diverge_th": mix(FLOAT, bad=(1.0,)),
            "device": DEVICE,
            "progress": BOOL,
        },
        then=lambda r: r.plot(method=None),
        timeout=20,
    ),
    Entry(
        "lrlearn.deep.ddp.linear_scaled_lr",
        args={"base_lr": 0.1, "base_batch": 16, "batch": 64},
        kinds={
            "base_lr": mix(FLOAT, bad=(0.0, -1.0)),
            "base_batch": mix(INT, bad=(0,)),
            "batch": mix(INT, bad=(0,)),
        },
    ),
    Entry(
        "lrlearn.deep.ddp.shard_size",
        args={"n": 64, "world_size": 2},
        kinds={"n": mix(INT, bad=(0,)), "world_size": mix(INT, bad=(0, 3, 65)), "drop_last": BOOL},
    ),
    Entry(
        "lrlearn.deep.ddp.free_port", kinds={"host": bad(None, 3, "", "no such host!")}, timeout=10
    ),
    Entry(
        "lrlearn.deep.ddp.DDPConfig",
        kinds={
            "per_worker_batch": mix(INT, bad=(0,)),
            "base_lr": mix(FLOAT, bad=(0.0,)),
            "base_batch": mix(INT, bad=(0,)),
            "epochs": mix(INT, bad=(0,)),
            "hidden": HIDDEN,
            "momentum": mix(FLOAT, bad=(-0.1, 1.0)),
            "float64": BOOL,
            "drop_last": BOOL,
            "threads": mix(INT, bad=(0,)),
            "backend": bad(3, "mpi?"),
        },
    ),
    refuse_only(
        "lrlearn.deep.ddp.data_parallel_check",
        {"world_size": 2},
        {
            "world_size": mix(INT, bad=(0, 1, -1, 10**6)),
            "per_worker_batch": mix(INT, bad=(0,)),
            "base_lr": mix(FLOAT, bad=(0.0,)),
            "base_batch": mix(INT, bad=(0,)),
            "n": mix(INT, bad=(0, 3)),
            "epochs": mix(INT, bad=(0,)),
            "float64": BOOL,
            "timeout": mix(FLOAT, bad=(0.0, -1.0)),
        },
    ),
    refuse_only(
        "lrlearn.deep.ddp.train_worker",
        {"cfg": Lazy(lambda: __import__("lrlearn.deep.ddp", fromlist=["x"]).DDPConfig())},
        {"cfg": OBJ, "data": bad(3, "x", (1,))},
    ),
    Covered(
        "lrlearn.deep.ddp.DataParallelCheck",
        "result of data_parallel_check (run by tests/test_deep_ddp.py; here its refusals)",
    ),
    Entry(
        "lrlearn.deep.transfer.param_groups",
        args={"model": Lazy(_model), "head_lr": 0.1, "body_factor": 0.3},
        kinds={
            "model": mix(OBJ, bad=(torch.nn.Linear(2, 2),)),
            "head_lr": mix(FLOAT, bad=(0.0, -1.0)),
            "body_factor": mix(FLOAT, bad=(-1.0,), extreme=(0.0,)),
        },
    ),
    refuse_only(
        "lrlearn.deep.transfer.transfer_experiment",
        {},
        {
            "source": bad(None, "x", [], [10], [-1], [1.5]),
            "target": bad(None, "x", [], [10], [-1]),
            "n_finetune": mix(INT, bad=(0, -1, 10**9)),
            "pretrain_epochs": mix(INT, bad=(-1,)),
            "finetune_epochs": mix(INT, bad=(0,)),
            "head_lr": mix(FLOAT, bad=(0.0,)),
            "body_factor": mix(FLOAT, bad=(-1.0,)),
            "momentum": mix(FLOAT, bad=(1.0, -0.1)),
            "batch_size": mix(INT, bad=(0,)),
            "strategies": bad(None, "x", [], ["nope"]),
            "progress": BOOL,
        },
    ),
    refuse_only(
        "lrlearn.deep.transfer.transfer_over_seeds",
        {},
        {"seeds": bad(None, "x", [], [0], [-1, 0], [1.5, 2])},
    ),
    refuse_only(
        "lrlearn.deep.transfer.tune_head_lr",
        {},
        {"head_lrs": bad(None, "x", [], [0.0], [-1.0]), "seeds": bad(None, "x", [], [0])},
    ),
    *[
        Covered(
            f"lrlearn.deep.transfer.{r}",
            "result of the transfer experiments (run by "
            "tests/test_deep_transfer.py; here their refusals)",
        )
        for r in ("TransferResult", "TransferSeeds", "TransferTuned")
    ],
]
