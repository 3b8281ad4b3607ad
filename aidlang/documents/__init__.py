"""What people read: the published policy tables (`tables`, with `templates/`), the difference between two
versions of a policy (`compare`) and the words of an explanation (`explanation`)."""
