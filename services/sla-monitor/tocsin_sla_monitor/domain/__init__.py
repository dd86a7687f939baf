"""The SLA domain: pure, no I/O. Clock states change only through the transition table."""
