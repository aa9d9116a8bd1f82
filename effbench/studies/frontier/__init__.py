"""One frontier of every text method per task: dense, shallow, entropy / random gates, EAT, AD-TP, attention top-k."""
