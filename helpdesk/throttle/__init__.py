"""Failed tries counted in the database (sign-in, the public identity check), shared by every worker and machine."""
