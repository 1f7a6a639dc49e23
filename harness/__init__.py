"""What stackgen's test suite and its benchmarks both drive, owned by neither.

``projects``: generated projects and the one virtual environment they share;
``services``: the machine's database, cache and broker servers; ``runtime``:
servers and browsers run until ready and always stopped. Not in the wheel.
"""
