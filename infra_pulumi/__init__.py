"""Infra side of the two-repository architecture, as a Pulumi Python program.

`__main__.py` is the program Pulumi runs; the modules beside it hold the stack
config model, the image-tag resolution and the components it wires together.
"""
