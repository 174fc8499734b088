"""Parts of a page too large to live in its script: the admin page's sections, the overview's downloads, the
upload templates."""
