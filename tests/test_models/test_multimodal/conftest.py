from tests.test_models.test_multimodal.vl_fixtures import (  # noqa: F401
    test_batch, train_batch)
