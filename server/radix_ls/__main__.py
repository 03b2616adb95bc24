"""`python -m radix_ls` is the `radix-ls` command."""

from radix_ls.cli import main

raise SystemExit(main())
