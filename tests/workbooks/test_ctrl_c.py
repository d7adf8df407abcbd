"""Ctrl-C during a batch of workers: noted, acted on between steps, never lost (asm_xl.workbooks.ctrl_c)."""

import os
import signal
import threading

import pytest

from asm_xl.workbooks.ctrl_c import ctrl_c_noted


#: the drop these tests make happen is what Python reports as an unraisable exception
DROPPED = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _python_handler():
    """SIGINT at Python's own handler, as in a terminal: a CI runner that starts the tests in the background
    hands them SIGINT ignored, and Python then installs no handler (ctrl_c_noted changes nothing then)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_in_the_block_raises_where_it_comes_and_is_noted():
    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_noted() as ctrl_c:
            _press()
            pytest.fail("Ctrl-C did not raise where it came")
    assert ctrl_c.pressed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@DROPPED
def test_a_ctrl_c_dropped_inside_a_del_method_is_raised_by_check():
    # Python's own handler raises in __del__, where the interruption is printed and dropped
    class Dropped:
        def __del__(self):
            _press()

    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_noted() as ctrl_c:
            Dropped()
            reached = True          # the KeyboardInterrupt of __del__ was dropped
            ctrl_c.check()
    assert reached


@DROPPED
def test_a_ctrl_c_dropped_after_the_last_check_still_interrupts_when_the_block_ends():
    class Dropped:
        def __del__(self):
            _press()

    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_noted():
            Dropped()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_ctrl_c_the_block_runs_through_and_python_handler_is_back():
    with ctrl_c_noted() as ctrl_c:
        ctrl_c.check()
    assert not ctrl_c.pressed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_sigint_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)   # nohup, a CI runner in the background
    try:
        with ctrl_c_noted() as ctrl_c:
            _press()
            ctrl_c.check()
        assert not ctrl_c.pressed
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_nothing_changes():
    seen = []

    def run():
        with ctrl_c_noted() as ctrl_c:   # signal.signal would raise ValueError here
            seen.append(signal.getsignal(signal.SIGINT))
            ctrl_c.check()
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == [signal.default_int_handler]
