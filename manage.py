#!/usr/bin/env python
from ytcs.cli import main

if __name__ == "__main__":
    main()
