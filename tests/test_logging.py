"""Training messages go through `logging.getLogger('donor_rank')`: a program can capture or silence them."""
import logging

import pytest
from conftest import write_splits
from donor_rank.train import TrainConfig, train


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return write_splits(tmp_path_factory.mktemp('log'), 60, 30, seed=7)


def cfg(data, out, **kw):
    return TrainConfig(train=str(data / 'tr.json'), val=str(data / 'va.json'), out=str(data / out),
                       epochs=2, d=8, heads=2, progress=False, **kw)


def test_resume_message_is_logged(data, caplog):
    train(cfg(data, 'a'))
    with caplog.at_level(logging.INFO, logger='donor_rank'):
        train(cfg(data, 'a', resume=True))
    msgs = [r.getMessage() for r in caplog.records if r.name.startswith('donor_rank')]
    assert any(m.startswith('resuming') for m in msgs), msgs


def test_silenced_by_the_importing_program(data, caplog, capsys):
    train(cfg(data, 'b'))
    logger = logging.getLogger('donor_rank')
    old = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with caplog.at_level(logging.INFO):
            train(cfg(data, 'b', resume=True))
    finally:
        logger.setLevel(old)
    assert not [r for r in caplog.records if r.name.startswith('donor_rank')]
    assert capsys.readouterr().err == ''
