"""`python -m xlt` (and `accelerate launch -m xlt ...`)."""

from xlt.cli import main

if __name__ == "__main__":
    main()
