from tests.api.conftest import world  # noqa: F401  (the API's world of members and a running challenge)
