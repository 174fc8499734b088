"""Partner file intake (SPEC section 4): decoding, parsing and validating uploaded files."""
