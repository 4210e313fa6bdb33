"""Imported by every program interop/pyro_examples.py starts (it puts this folder on PYTHONPATH):
seeds `random`, so an example's random picks (shop items, worker delays, quotes) are the same
in the run against Python's servers and the run against pyroxene's, and their output can be
compared as it is. The examples themselves are not changed."""
import os
import random

_seed = os.environ.get("PYROXENE_EXAMPLE_SEED")
if _seed:
    random.seed(int(_seed))
