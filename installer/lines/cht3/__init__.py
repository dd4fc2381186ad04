"""CHT 3.x (medic-os + haproxy): its facts, the files cht-install writes for it, its Line."""
