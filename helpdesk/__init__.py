"""helpdesk: a customer-support desk for retailers."""

__version__ = "0.1.0"
