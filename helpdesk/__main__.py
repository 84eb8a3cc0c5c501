"""Allow `python -m helpdesk` as an alias for the `helpdesk` command."""

from helpdesk.cli import main

main()
