"""The CDK application: the talk's stack, one construct per module, wired in ``stack.py``."""
