"""End-to-end tests of the infra program under the real Pulumi CLI (tests_engine/conftest.py)."""
