"""lrlearn.problems: exact losses and gradients, checked against finite differences, closed forms,
scikit-learn's log-loss and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import data
from lrlearn.optimizers import SGD
from lrlearn.problems import MLP, LeastSquares, Problem, SoftmaxRegression

REG = data.linear_regression(n_train=40, n_test=10, n_features=4, noise=0.3, seed=1)
CLS = data.logistic_regression(n_train=30, n_test=10, n_features=3, seed=2)
DIGITS = data.digits()


def tiny_digits(n=25):
    d = DIGITS
    return data.Dataset(d.X_train[:n, ::8], d.y_train[:n], d.X_test[:n, ::8], d.y_test[:n], 10,
                        "tiny digits")


def problems():
    return [
        LeastSquares(REG),
        LeastSquares(REG, l2=0.3),
        SoftmaxRegression(CLS),
        SoftmaxRegression(tiny_digits(), l2=0.1),
        MLP(CLS, hidden=4),
        MLP(tiny_digits(), hidden=5, l2=0.05),
    ]


def random_params(problem: Problem, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.7, problem.n_params)


def numerical_grad(problem, params, idx, h=1e-6):
    g = np.zeros_like(params)
    for j in range(params.size):
        e = np.zeros_like(params)
        e[j] = h
        g[j] = (problem.loss(params + e, idx) - problem.loss(params - e, idx)) / (2 * h)
    return g


@pytest.mark.parametrize("problem", problems(), ids=repr)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), subset=st.booleans())
def test_gradient_matches_finite_differences(problem, seed, subset):
    params = random_params(problem, seed)
    idx = np.random.default_rng(seed).choice(problem.n_examples, 7, replace=False) if subset else None
    loss, grad = problem.loss_and_grad(params, idx)
    assert isinstance(loss, float) and loss == pytest.approx(problem.loss(params, idx))
    np.testing.assert_allclose(grad, numerical_grad(problem, params, idx), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("problem", problems(), ids=repr)
def test_per_example_grads_average_to_the_gradient(problem):
    params = random_params(problem, 0)
    G = problem.per_example_grads(params)
    assert G.shape == (problem.n_examples, problem.n_params)
    np.testing.assert_allclose(G.mean(axis=0), problem.loss_and_grad(params)[1], atol=1e-12)
    for i in (0, 3):
        np.testing.assert_allclose(G[i], problem.loss_and_grad(params, np.array([i]))[1],
                                   atol=1e-12)


@pytest.mark.parametrize("problem", problems(), ids=repr)
def test_stacked_params_give_one_result_per_run(problem):
    stack = np.stack([random_params(problem, s) for s in range(3)]).reshape(3, 1, -1)
    idx = np.array([0, 2, 5])
    losses, grads = problem.loss_and_grad(stack, idx)
    assert losses.shape == (3, 1) and grads.shape == (3, 1, problem.n_params)
    for r in range(3):
        loss, grad = problem.loss_and_grad(stack[r, 0], idx)
        assert losses[r, 0] == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(grads[r, 0], grad, atol=1e-12)


def test_least_squares_closed_form_optimum():
    p = LeastSquares(REG)
    w = p.optimum()
    np.testing.assert_allclose(w, np.linalg.lstsq(REG.X_train, REG.y_train, rcond=None)[0],
                               atol=1e-10)
    assert np.abs(p.loss_and_grad(w)[1]).max() < 1e-12
    ridge = LeastSquares(REG, l2=0.5)
    X, y, n = REG.X_train, REG.y_train, len(REG.y_train)
    expected = np.linalg.solve(X.T @ X + 0.5 * n * np.eye(4), X.T @ y)  # textbook ridge
    np.testing.assert_allclose(ridge.optimum(), expected, atol=1e-10)
    # full-batch gradient descent at lr = 1/L reaches it
    opt, params = SGD(lr=1.0 / np.linalg.eigvalsh(p.hessian()).max()), p.init_params()
    state = opt.init(params)
    for _ in range(2000):
        params, state = opt.step(params, p.loss_and_grad(params)[1], state)
    np.testing.assert_allclose(params, w, atol=1e-8)


def test_softmax_loss_matches_sklearn_log_loss():
    from sklearn.metrics import accuracy_score, log_loss

    p = SoftmaxRegression(DIGITS)
    params = random_params(p, 4) * 0.1
    W, b = params[:640].reshape(64, 10), params[640:]
    logits = DIGITS.X_test @ W + b
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    assert p.loss(params, split="test") == pytest.approx(
        log_loss(DIGITS.y_test, probs, labels=range(10)), rel=1e-10)
    assert p.accuracy(params, "test") == accuracy_score(DIGITS.y_test, logits.argmax(1))
    assert p.loss(p.init_params()) == pytest.approx(np.log(10))


def test_exact_hessians_match_finite_differences():
    sm = SoftmaxRegression(tiny_digits(), l2=0.1)
    params = random_params(sm, 1)
    H = sm.hessian(params)
    np.testing.assert_allclose(H, Problem.hessian(sm, params), atol=1e-6)
    ls = LeastSquares(REG, l2=0.2)
    np.testing.assert_allclose(ls.hessian(), Problem.hessian(ls, ls.init_params()), atol=1e-6)
    v = np.random.default_rng(0).normal(size=sm.n_params)
    np.testing.assert_allclose(sm.hvp(params, v), H @ v, rtol=1e-5, atol=1e-7)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() > -1e-12  # convex
    # softmax is unchanged by adding one constant to every bias (unpenalised): one flat direction
    shift = np.r_[np.zeros(sm.n_params - 10), np.ones(10)]
    np.testing.assert_allclose(H @ shift, 0.0, atol=1e-12)
    assert eig[1] > 1e-3


@pytest.mark.torch
def test_mlp_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    m = MLP(DIGITS, hidden=16, l2=0.01)
    params = m.init_params(seed=3)
    idx = np.arange(0, 200, 3)
    loss, grad = m.loss_and_grad(params, idx)
    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in m._unpack(params))
    X = torch.tensor(DIGITS.X_train[idx])
    y = torch.tensor(DIGITS.y_train[idx])
    out = torch.tanh(X @ W1 + b1) @ W2 + b2
    t_loss = torch.nn.functional.cross_entropy(out, y) + 0.005 * (W1.pow(2).sum() + W2.pow(2).sum())
    t_loss.backward()
    t_grad = torch.cat([W1.grad.ravel(), b1.grad, W2.grad.ravel(), b2.grad])
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t_grad.numpy(), rtol=1e-10, atol=1e-14)


def test_mlp_init_like_torch_linear_and_seeded():
    m = MLP(DIGITS, hidden=32)
    a, b = m.init_params(0), m.init_params(0)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, m.init_params(1))
    W1, b1, W2, _b2 = m._unpack(a)
    assert np.abs(W1).max() <= 1 / 8 and np.abs(b1).max() <= 1 / 8
    assert np.abs(W2).max() <= 1 / np.sqrt(32) and np.abs(W2).max() > 0.8 / np.sqrt(32)
    assert m.n_params == 64 * 32 + 32 + 32 * 10 + 10


def test_bad_input_is_named():
    sm = SoftmaxRegression(DIGITS)
    w = sm.init_params()
    with pytest.raises(ValueError, match="params must have shape"):
        sm.loss_and_grad(np.zeros(3))
    with pytest.raises(ValueError, match="idx"):
        sm.loss_and_grad(w, np.array([], dtype=int))
    n = sm.n_examples
    with pytest.raises(ValueError, match=rf"idx must hold indices in \[0, {n - 1}\]"):
        sm.loss_and_grad(w, np.array([0, n]))
    with pytest.raises(ValueError, match="idx"):
        sm.loss_and_grad(w, np.array([-1]))
    with pytest.raises(ValueError, match="idx"):
        sm.loss_and_grad(w, np.array([0.5]))
    with pytest.raises(ValueError, match="split"):
        sm.loss(w, split="valid")
    with pytest.raises(ValueError, match="l2"):
        SoftmaxRegression(DIGITS, l2=-1)
    with pytest.raises(ValueError, match="hidden"):
        MLP(DIGITS, hidden=0)
    with pytest.raises(TypeError, match="data"):
        SoftmaxRegression(DIGITS.X_train)
    with pytest.raises(ValueError, match="regression data"):
        LeastSquares(DIGITS)
    with pytest.raises(ValueError, match="class labels"):
        SoftmaxRegression(REG)
    with pytest.raises(TypeError, match="no accuracy"):
        LeastSquares(REG).accuracy(np.zeros(4))
    empty = data.Dataset(np.zeros((0, 3)), np.zeros(0, int), np.zeros((0, 3)), np.zeros(0, int), 2)
    with pytest.raises(ValueError, match="at least one training example"):
        SoftmaxRegression(empty)


def test_softmax_regression_recovers_the_generating_coefficients():
    """Two-class softmax on generated logistic data: the fitted logit difference estimates the
    true coefficients (maximum likelihood; standard error about 0.02 per coordinate here)."""
    d = data.logistic_regression(n_train=20_000, n_test=10, n_features=3, scale=2.0, seed=4)
    p = SoftmaxRegression(d)
    params, opt = p.init_params(), SGD(lr=4.0, momentum=0.9)
    state = opt.init(params)
    for _ in range(300):
        params, state = opt.step(params, p.loss_and_grad(params)[1], state)
    assert np.abs(p.loss_and_grad(params)[1]).max() < 1e-6  # at the optimum
    W, b = params[:6].reshape(3, 2), params[6:]
    np.testing.assert_allclose(W[:, 1] - W[:, 0], d.coef, atol=0.08)
    assert abs(b[1] - b[0]) < 0.08  # the data have no intercept
