"""Tests for app/deploy, the release tool."""
