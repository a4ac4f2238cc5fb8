"""The examples of bad input that used to fall through, one by one: each now stops at the
boundary with a named error, or (divergence) ends as a result."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lrlearn import data, landscapes, optimizers, problems, schedules, stability
from lrlearn.simulate import simulate, sweep


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_linear_scaling_does_not_hold_when_every_run_diverged():
    from lrlearn.batch import linear_scaling

    p = problems.SoftmaxRegression(data.logistic_regression(n_train=64, n_features=3, seed=0))
    r = linear_scaling(
        p, base_batch=4, base_lr=1e6, factors=[1, 2], epochs=1.0, fast=True, progress=False
    )
    assert not np.isfinite(r.final_loss).any()
    assert not r.holds.any() and r.break_factor == 1


def test_start_whose_loss_overflows_is_refused():
    with pytest.raises(ValueError, match=r"x0 must be a start where the loss .* finite"):
        simulate(landscapes.Rosenbrock(), [1e300, 1e300], 0.1, 10)
    with pytest.raises(ValueError, match="x0"):
        sweep(landscapes.Rosenbrock(), [1e300, 1e300], [0.1, 0.2], 10)


def test_digits_keeps_examples_on_both_sides():
    with pytest.raises(
        ValueError, match=r"test_fraction must be in \[0.0056, 0.9944\], got 0.9999"
    ):
        data.digits(test_fraction=0.9999)


def test_make_optimizer_keeps_the_rate_given_with_an_instance():
    opt = optimizers.make_optimizer(optimizers.SGD(momentum=0.9), lr=0.5)
    assert opt.lr == 0.5 and opt.momentum == 0.9


@pytest.mark.parametrize("lr", [-1.0, float("nan"), float("inf")])
def test_step_refuses_a_bad_rate(lr):
    opt = optimizers.SGD(lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        opt.step(np.ones(2), np.ones(2), opt.init(np.ones(2)), lr=lr)


def test_classify_losses_names_its_arguments():
    with pytest.raises(ValueError, match="target"):
        stability.classify_losses([3.0, 2.0, 1.0], target=float("nan"))
    with pytest.raises(ValueError, match="min_value must be <="):
        stability.classify_losses([3.0, 2.0, 1.0], min_value=2.0)


def test_problems_refuse_nan_features_bad_labels_and_eps():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="X_train must contain only finite numbers"):
        data.Dataset(X * np.nan, np.array([0, 1, 0]), X[:0], np.zeros(0, int), 2)
    with pytest.raises(ValueError, match=r"y_train must be class labels in \[0, 1\], got -1"):
        data.Dataset(X, np.array([0, 1, -1]), X[:0], np.zeros(0, int), 2)
    p = problems.SoftmaxRegression(data.logistic_regression(n_train=20, n_features=2, seed=0))
    with pytest.raises(ValueError, match=r"eps must be in \(0.0, 1.0\], got -0.1"):
        p.hvp(np.zeros(p.n_params), np.ones(p.n_params), eps=-0.1)
    with pytest.raises(ValueError, match="eps"):
        p.hvp(np.zeros(p.n_params), np.ones(p.n_params), eps=0.0)


@pytest.mark.parametrize("flag", ["maximize", "nesterov"])
def test_string_flags_are_refused(flag):
    with pytest.raises(TypeError, match=rf"{flag} must be True or False, got 'no'"):
        optimizers.SGD(momentum=0.9, **{flag: "no"})


def test_unclear_errors_are_now_named():
    with pytest.raises(ValueError, match="a must be in"):
        landscapes.Rosenbrock(a=1e300)
    with pytest.raises(ValueError, match="lr must be a finite float"):
        optimizers.SGD(lr=10**400)
    with pytest.raises(ValueError, match=r"steps must be in \[0, 1000000\], got 1000000000000"):
        simulate(landscapes.Quadratic([1.0]), [1.0], 0.1, 10**12)
    from lrlearn.batch import compare_regimes

    with pytest.raises(ValueError, match="epochs must be in"):
        compare_regimes(epochs=1e308, progress=False)


def test_aliases_name_their_own_parameters():
    with pytest.raises(ValueError, match="total_steps must be >= 1, got 0"):
        schedules.cosine(0.1, 0)
    with pytest.raises(ValueError, match="warmup_steps must be >= 1, got 0"):
        schedules.warmup(0.1, 0)


def test_huge_but_finite_points_give_no_warning():
    for scape in (landscapes.Quadratic([2.0, 1.0]), landscapes.Rosenbrock(), landscapes.Saddle()):
        x = np.array([1e300, -1e300])
        assert scape.value(x) == np.inf
        scape.grad(x), scape.hessian(x)
    assert np.isfinite(stability.optimal_lr([1e308, 1e308]))
    p = problems.LeastSquares(data.linear_regression(n_train=20, n_features=3, seed=0))
    assert p.loss(np.full(3, 1e300)) == np.inf
    sweep(landscapes.Quadratic([4.0, 1.0]), [1.0, 1.0], np.logspace(-3, 300, 10), 10).plot()


def test_one_cycle_refuses_an_empty_phase_when_built():
    with pytest.raises(ValueError, match="pct_start must leave the last phase"):
        schedules.one_cycle_lr(0.1, total_steps=50, pct_start=1.0)


def test_range_test_plot_without_suggestion_draws_a_short_curve():
    from lrlearn.lr_finder import range_test

    p = problems.SoftmaxRegression(data.logistic_regression(n_train=64, n_features=3, seed=0))
    res = range_test(p, start_lr=1e-3, end_lr=1e3, num_iter=6, batch_size=16, progress=False)
    res.plot(method=None)
    with pytest.raises(ValueError, match="a suggestion needs at least"):
        res.plot(method="steepest")


def test_train_restores_the_model_when_it_stops_on_an_error():
    torch = pytest.importorskip("torch")
    from lrlearn.deep import digits_tensors, mlp, train

    X, y = digits_tensors(n=64)
    model = mlp(64, (8,), 10, seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    calls = {"n": 0}

    def schedule(t):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("a schedule that fails part-way")
        return 0.1

    with pytest.raises(RuntimeError, match="part-way"):
        train(
            model,
            (X, y),
            lambda p: torch.optim.SGD(p, lr=0.1),
            schedule=schedule,
            epochs=2,
            batch_size=16,
            progress=False,
        )
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), before, strict=True))
    short = schedules.one_cycle_lr(0.1, total_steps=3)
    with pytest.raises(ValueError, match="schedule ends at step 3 but the run takes 8"):
        train(
            model,
            (X, y),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
            schedule=short,
            epochs=2,
            batch_size=16,
            progress=False,
        )
    with pytest.raises(ValueError, match=r"data: y must hold class labels in \[0, 9\]"):
        train(model, (X, y + 10), lambda p: torch.optim.SGD(p, lr=0.1), progress=False)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), before, strict=True))


def test_train_at_a_huge_rate_is_a_diverged_history():
    torch = pytest.importorskip("torch")
    from lrlearn.deep import digits_tensors, mlp, train

    X, y = digits_tensors(n=64)
    hist = train(mlp(64, (8,), 10), (X, y), lambda p: torch.optim.SGD(p, lr=1e300), progress=False)
    assert hist.diverged and hist.status.startswith(f"diverged at step {hist.diverged_at}")


def test_top_hessian_eigenvalue_checks_labels_first():
    torch = pytest.importorskip("torch")
    from lrlearn.deep import digits_tensors, mlp, top_hessian_eigenvalue

    X, y = digits_tensors(n=16, dtype=torch.float64)
    model = mlp(64, (4,), 7, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 6\]"):
        top_hessian_eigenvalue(model, X, torch.full_like(y, 7), iters=2)
