"""The record of one unit (a serial number): every owner, claim, ticket and interaction about it."""
