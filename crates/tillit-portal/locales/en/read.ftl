# The read-only pages (search, person, card, reports), English.
