"""`python -m cli`: the same as the `sabaq` command."""

from cli import main

main()
