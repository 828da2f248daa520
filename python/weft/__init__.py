"""weft's in-process agent: records every function call of every thread into a stream file.

Activated by the WEFT_OPTIONS environment variable through the sitecustomize in ``_boot``;
importing this package on its own does nothing.
"""
