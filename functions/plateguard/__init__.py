"""PlateGuard: privacy-first ALPR backend."""
