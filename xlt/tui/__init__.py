"""`xlt tui`: a Textual app that watches training runs and reads results from workspace files only.

It never imports the training code path (torch, transformers, accelerate); `tests/test_tui.py` checks.
"""
