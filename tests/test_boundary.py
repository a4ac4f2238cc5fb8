"""Bad input stops at the boundary, for every public callable of lrlearn.

For each callable listed in an ``__all__`` (all subpackages, ``lrlearn.deep`` included) a spec entry
in ``tests/boundary/spec_<module>.py`` gives one valid call and the kinds of its parameters.
Hypothesis then replaces one argument at a time by a generated bad value (wrong type, bool, str,
None, NaN, +-inf, 0, negative, huge, empty, wrong shape, mismatched length) and asserts a
ValueError/TypeError raised by lrlearn that names the parameter and shows the value, or, for
valid-but-extreme values, a sane result with no warning, within a time limit. A public callable
with no entry fails ``test_every_public_callable_has_an_entry``.
"""

from __future__ import annotations

import collections
import importlib
import inspect
import math
import pathlib
import pkgutil
import re
import signal
import warnings
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from boundary import kinds as K
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrlearn

pytest.importorskip("torch")
pytest.importorskip("ipywidgets")

LRLEARN_DIR = pathlib.Path(lrlearn.__file__).parent
SPEC_DIR = pathlib.Path(__file__).parent / "boundary"


def _load_specs() -> tuple[list[K.Entry], list[K.Covered]]:
    entries, covered = [], []
    for info in sorted(pkgutil.iter_modules([str(SPEC_DIR)]), key=lambda i: i.name):
        if info.name.startswith("spec_"):
            mod = importlib.import_module(f"boundary.{info.name}")
            for item in mod.ENTRIES:
                (entries if isinstance(item, K.Entry) else covered).append(item)
    return entries, covered


def _with_auto(entries: list[K.Entry], covered: list[K.Covered]):
    """Automatic refusal-only entries (tests/boundary/auto.py) for what no spec covers."""
    from boundary import auto

    import lrlearn.deep

    done = {e.target for e in entries} | {c.target for c in covered}
    for info in pkgutil.walk_packages(lrlearn.__path__, "lrlearn."):
        for item in auto.entries_for(info.name, done):
            (entries if isinstance(item, K.Entry) else covered).append(item)
    return entries, covered


ENTRIES, COVERED = _with_auto(*_load_specs())
TRIED: collections.Counter[str] = collections.Counter()


def public_callables() -> dict[str, Any]:
    """``module.qualname`` -> object for every callable in an ``__all__`` of lrlearn."""
    import lrlearn.deep

    found: dict[str, Any] = {}
    for info in pkgutil.walk_packages(lrlearn.__path__, "lrlearn."):
        mod = importlib.import_module(info.name)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            module = getattr(obj, "__module__", "") or ""
            if not module.startswith("lrlearn"):
                continue  # a type alias such as State = dict[str, Any]
            found[f"{module}.{obj.__qualname__}"] = obj
    return found


def test_every_public_callable_has_an_entry():
    public = public_callables()
    specified = {e.target for e in ENTRIES} | {c.target for c in COVERED}
    missing = sorted(set(public) - specified)
    assert not missing, (
        f"{len(missing)} public callables have no boundary entry; add them to "
        f"tests/boundary/spec_<module>.py: {missing}"
    )


def test_every_entry_names_a_real_callable():
    for item in [*ENTRIES, *COVERED]:
        assert callable(K.resolve(item.target)), item.target
    for c in COVERED:
        assert c.reason.strip(), c.target


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` in the library eats it."""


@contextmanager
def _time_limit(seconds: float):
    def handler(signum, frame):
        raise _Timeout(f"did not finish within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _module_key(target: str) -> str:
    parts = target.split(".")
    return (
        ".".join(parts[1:3])
        if parts[1] in {"batch", "claims", "deep", "quiz", "schedules", "widgets", "exercises"}
        else parts[1]
    )


def _params(entry: K.Entry, fn: Any) -> dict[str, K.Kind]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    found: dict[str, K.Kind] = {}
    if sig is not None:
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in entry.skip:
                continue
            kind = K.from_annotation(p.annotation)
            if kind is not None:
                found[p.name] = kind
    for name, kind in entry.kinds.items():
        if name not in entry.skip:
            found[name] = kind
    return found


def _renderings(value: Any) -> list[str]:
    out = [repr(value), str(value)]
    if isinstance(value, float) and math.isfinite(value):
        out.append(f"{value:g}")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**20:
        out.append(f"1e{int(math.log10(abs(value)))}")
    return out


def _check_refusal(entry: K.Entry, param: str, value: Any, exc: BaseException) -> None:
    text = str(exc)
    names = (param, *entry.aliases.get(param, ()))
    assert any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", text) for n in names), (
        f"{entry.name}: {type(exc).__name__} for {param}={value!r} does not name {param!r}: {text}"
    )
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    assert last is not None and pathlib.Path(last).is_relative_to(LRLEARN_DIR), (
        f"{entry.name}: {param}={value!r} was refused from inside {last}, not by lrlearn: {text}"
    )
    if isinstance(value, bool | int | float | str | type(None)) and not isinstance(
        value, np.generic
    ):
        assert any(r in text for r in _renderings(value)), (
            f"{entry.name}: the message for {param}={value!r} does not show the value: {text}"
        )


def _sane(entry: K.Entry, param: str, value: Any, result: Any) -> None:
    if entry.nan_ok:
        return
    if isinstance(result, float):
        assert not math.isnan(result), f"{entry.name}: {param}={value!r} returned NaN"
    if isinstance(result, np.ndarray) and result.dtype.kind == "f":
        assert not np.isnan(result).any(), f"{entry.name}: {param}={value!r} returned NaN values"


def _call(entry: K.Entry, fn: Any, override: dict[str, Any]) -> Any:
    kwargs = {k: (v() if isinstance(v, K.Lazy) else v) for k, v in entry.args.items()}
    kwargs.update(override)
    try:
        with warnings.catch_warnings(), _time_limit(entry.timeout):
            warnings.simplefilter("error")
            result = fn(**kwargs)
            if entry.then is not None:
                entry.then(result)
    finally:
        plt.close("all")
    return result


@pytest.fixture(scope="module", autouse=True)
def _report(request, torch_one_thread):
    yield
    if not TRIED:
        return
    lines = [f"  {m:<22} {n:5d}" for m, n in sorted(TRIED.items())]
    text = "\nbad and extreme inputs tried, per module:\n" + "\n".join(lines)
    text += f"\n  {'total':<22} {sum(TRIED.values()):5d}\n"
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(text)
    else:
        print(text)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_bad_input_stops_at_the_boundary(entry: K.Entry, request):
    from boundary import gaps

    why = gaps.reason(entry.target)
    if why is not None:
        # listed in tests/boundary/gaps.py; not run (a refusal missing costs the time limit)
        pytest.xfail(f"known gap: {why}")
    fn = entry.call or K.resolve(entry.target)
    if not entry.refuse_only:
        _call(entry, fn, {})  # the spec's own call is valid, and warns nothing
    params = _params(entry, fn)
    if entry.refuse_only:
        params = {p: K.Kind(k.name, k.bad) for p, k in params.items()}
    if not params:
        return
    cases = st.sampled_from(sorted(params)).flatmap(
        lambda p: params[p].values().map(lambda vf: (p, vf[0], vf[1]))
    )

    @settings(
        max_examples=entry.examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases)
    def one(case):
        param, value, must_fail = case
        TRIED[_module_key(entry.target)] += 1
        try:
            result = _call(entry, fn, {param: value})
        except (ValueError, TypeError) as exc:
            _check_refusal(entry, param, value, exc)
            return
        except _Timeout as exc:
            pytest.fail(f"{entry.name}: {param}={value!r} {exc}")
        except Exception as exc:
            pytest.fail(f"{entry.name}: {param}={value!r} raised {type(exc).__name__}: {exc}")
        assert not must_fail, f"{entry.name}: accepted {param}={value!r}"
        _sane(entry, param, value, result)

    one()
