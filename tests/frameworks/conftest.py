"""What the frameworks' file tests share: the demo file, read once per module."""

import pytest

from tests.support.frameworks import DEMO
from validation.frameworks.importers import read
from validation.frameworks.inputs import FrameworkFile


@pytest.fixture(scope="module")
def demo() -> FrameworkFile:
    return read(DEMO)
