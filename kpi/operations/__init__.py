"""Operations (SPEC section 9): backups, restores and reminder e-mails."""
