"""Every architecture trains through the same loop: a run killed after an epoch resumes
from its checkpoint to the weights, to the last bit, of the same seed's run that was never
interrupted (the recurrent noise of the leaky RNN included)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import CONFIGS

from rnn_ensembles import dataset, training
from rnn_ensembles.models import ARCHITECTURES

TINY = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
TINY_TASK = {k: v for k, v in TINY["tasks"]["tiny"].items() if k != "kind"}
TINY_SPLITS = {name: TINY["dataset"][f"n_{name}"] for name in ("train", "validation", "test")}
VARIANTS = [(name, {}) for name in ARCHITECTURES] + [
    ("leaky_rnn", {"noise_std": 0.1, "dale": True, "connection_probability": 0.5}),
]


class Killed(Exception):
    """Stands for the job being killed after its first epoch's checkpoint."""


@pytest.fixture(scope="module")
def data():
    return dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=lambda v: str(v) if v else "")
def test_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(data, tmp_path, name, options):
    config = training.TrainingConfig(max_epochs=2, batch_size=32, target_accuracy=None)

    def run(folder=None, log=lambda _: None):
        result = training.train(data, name, 4, 3, config, folder, log=log, model_options=options)
        return result.model.get_weights()

    straight = run()

    def kill_in_epoch_two(message):
        if message.startswith("epoch 2"):
            raise Killed

    with pytest.raises(Killed):
        run(tmp_path / "checkpoint", log=kill_in_epoch_two)
    messages = []
    resumed = run(tmp_path / "checkpoint", log=messages.append)
    assert "resuming from the checkpoint after epoch 1" in messages
    # Equal to the last bit: the killed run's first epoch was the uninterrupted run's, and
    # its second, from the checkpoint, too.
    for got, want in zip(resumed, straight, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(straight[1], run_untrained(name, options)[1])


def run_untrained(name, options):
    """The initial weights of the same seed, to see that training moved them."""
    import keras

    from rnn_ensembles.models import get_architecture

    keras.utils.set_random_seed(3)
    return get_architecture(name).build(4, 3, 3, seed=3, **options).get_weights()
