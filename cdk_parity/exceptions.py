"""Failures of the CDK reference that a caller can act on."""

from __future__ import annotations


class CdkParityError(Exception):
    """Base class of this package's errors."""


class UnknownTagModeError(CdkParityError, ValueError):
    """The ``tagLookup`` context value names no tag-lookup mode."""


class TagLookupError(CdkParityError):
    """The synth-time lookup of an image-tag parameter failed for a reason other than
    "not found" (access denied, throttling, no credentials, no network). Never a fallback."""


class InvalidTagError(CdkParityError):
    """An image-tag parameter holds something that is neither a commit tag nor ``initial``."""


class NodeMissingError(CdkParityError):
    """Node.js, which jsii runs the CDK library on, is not on PATH or is too old."""


class BenchmarkRecordError(CdkParityError):
    """The recorded whole-process benchmark (``benchmarks/results/plan_vs_synth.json``)
    cannot be read: not JSON, or a field missing or of the wrong type."""


class PolicyPackNotFoundError(CdkParityError):
    """``compare --policy-pack DIR`` names a folder without a ``PulumiPolicy.yaml``."""
