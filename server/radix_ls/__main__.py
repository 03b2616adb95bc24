"""`python -m radix_ls` is the `radix-ls` command."""

from radix_ls.cli import main

# Guarded: the index's process pool re-imports the main module in its workers.
if __name__ == "__main__":
    raise SystemExit(main())
