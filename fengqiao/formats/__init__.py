"""Local date formats (``FORMAT_MODULE_PATH``): what Django's own locale files get wrong here."""
