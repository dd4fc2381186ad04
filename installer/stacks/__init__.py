"""CHT lines the installer serves, one module each (images, boot, post-setup, limits)."""
