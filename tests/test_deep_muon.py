"""Muon's update size against width (torch.optim.Muon is the implementation measured)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from lrlearn.deep.muon import muon_update_rms


def test_rms_matching_makes_the_step_size_independent_of_width(torch_one_thread):
    r = muon_update_rms(widths=(64, 256, 1024))
    assert r.slope("original") == pytest.approx(-0.5, abs=0.08)  # 1/sqrt(n) for square matrices
    assert abs(r.slope("match_rms_adamw")) < 0.08
    np.testing.assert_allclose(r.rms["match_rms_adamw"], 0.2, rtol=0.2)
    np.testing.assert_allclose(r.adam, 1.0, rtol=1e-6)  # Adam's first step is lr * sign(grad)
    r.plot()


def test_bad_input():
    with pytest.raises(ValueError, match="widths"):
        muon_update_rms(widths=(1,))
    with pytest.raises(ValueError, match="lr"):
        muon_update_rms(lr=0.0)
