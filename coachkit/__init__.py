"""coachkit."""
