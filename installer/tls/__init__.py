"""Pure certificate logic: generation and checks, no effects."""
