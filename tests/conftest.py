import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="module")
def torch_one_thread():
    """Tiny models on a shared machine: one intra-op thread is faster, steadier and deterministic.
    Restores torch's thread count afterwards."""
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
