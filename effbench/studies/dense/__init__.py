"""The one dense fine-tune per (text task, seed) that every text study shares."""
