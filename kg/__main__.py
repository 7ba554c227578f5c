"""`python -m kg`: the same command line as `kg`."""
from .cli import main

main()
