"""Device choice: CUDA, then MPS, then CPU; clear errors; explicit fallback only when asked."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep import device as dev  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: False)


def test_auto_is_cpu_without_gpu(no_gpu, capsys):
    assert dev.resolve_device() == torch.device("cpu")
    assert dev.resolve_device("auto") == torch.device("cpu")
    assert capsys.readouterr().out == ""  # silent unless verbose


def test_verbose_prints_one_line_with_reason(no_gpu, capsys):
    dev.resolve_device(verbose=True)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "cpu" in out[0] and "no CUDA" in out[0]


def test_auto_prefers_mps_over_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    assert dev.resolve_device().type == "mps"


def test_auto_prefers_cuda_over_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "FakeGPU")
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    assert dev.resolve_device() == torch.device("cuda", 0)


@pytest.mark.parametrize("name", ["cpu", "CPU", " cpu ", torch.device("cpu")])
def test_explicit_cpu(name):
    assert dev.resolve_device(name) == torch.device("cpu")


def test_cuda_without_cuda_is_a_clear_error(no_gpu):
    with pytest.raises(RuntimeError, match=r"'cuda'.*CUDA is not available.*fallback=True"):
        dev.resolve_device("cuda")
    with pytest.raises(RuntimeError, match="MPS is not available"):
        dev.resolve_device("mps")


def test_fallback_when_asked(no_gpu, capsys):
    assert dev.resolve_device("cuda:0", fallback=True) == torch.device("cpu")
    assert dev.resolve_device("mps", fallback=True, verbose=True) == torch.device("cpu")
    assert "fell back" in capsys.readouterr().out


def test_missing_cuda_index(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(RuntimeError, match="no CUDA device 3"):
        dev.resolve_device("cuda:3")


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:x", "", "xla"])
def test_unknown_names(name):
    with pytest.raises(ValueError, match="device must be one of"):
        dev.resolve_device(name)


@pytest.mark.parametrize("value", [0, 1.5, ["cpu"]])
def test_wrong_type(value):
    with pytest.raises(TypeError, match="device must be a str"):
        dev.resolve_device(value)


def test_describe_cpu():
    assert dev.describe_device(torch.device("cpu")).startswith("cpu (")


def test_lazy_export():
    import lrlearn.deep

    assert lrlearn.deep.resolve_device is dev.resolve_device


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_cuda():
    assert dev.resolve_device().type == "cuda"
    assert dev.resolve_device("cuda").type == "cuda"


def test_exports_resolve():
    import lrlearn.deep

    for name in lrlearn.deep._EXPORTS:
        if lrlearn.deep._EXPORTS[name] == "lr_finder":
            continue  # another module's names, tested with it
        assert getattr(lrlearn.deep, name) is not None

