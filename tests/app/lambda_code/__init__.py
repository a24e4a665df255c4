"""Tests for app/lambda (named lambda_code: "lambda" is a keyword, not a package name)."""
