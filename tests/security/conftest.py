"""The security tests use the claims tests' buyer (a customer with one item in warranty and one out of it)."""

from tests.claims.conftest import buyer  # noqa: F401  (a fixture)
