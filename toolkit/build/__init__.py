"""Build steps: everything `build.py` makes from source before the app serves it.

Nothing here runs while serving requests; the runtime reads only what these steps wrote.
"""
