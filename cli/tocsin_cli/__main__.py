"""`python -m tocsin_cli`: the same as the `tocsin` console script."""

from .main import main

main()
