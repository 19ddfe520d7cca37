"""Where results go after rendering: run history, PR comments, alerts."""
