import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

try:  # the rules of scipy.special are registered once scipy.special is imported
    import scipy.special  # noqa: F401
except ImportError:
    pass

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="session")
def _private_disk_cache(tmp_path_factory):
    """The whole session writes srcad's disk cache into a fresh directory of its own,
    never into the user's cache (and no stale entry from an earlier run is read)."""
    saved = {k: os.environ.get(k) for k in ("SRCAD_CACHE_DIR", "SRCAD_CACHE")}
    os.environ["SRCAD_CACHE_DIR"] = str(tmp_path_factory.mktemp("srcad-cache"))
    os.environ.pop("SRCAD_CACHE", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
