"""In what order things happen, and where the transactions begin and end."""
