"""Entropy-regularised ViT attention (paper 003 §5, Tables 4-6, 18, 19, 24, 27) on MNIST-5k (the
paper scale: ViT-Small on CIFAR-100 from the dataset hub, data/hub_images.py).

Per (variant, seed) a small ViT trained from scratch:
  dense    cross-entropy only
  l1       + lambda_l1 * mean |keys|                       (the L1 penalty baseline)
  entropy  + lambda * mean_(image, head, layer) H_diff(keys) (k = floor(sqrt(N)) learnable anchors
           per layer and head, alpha annealed 10 -> 5, active in an epoch window)
At inference every model keeps the same number of keys per query (matched sparsity) in contiguous
blocks: dense and L1 models by key magnitude, the entropy model by its clusters' mass for that
input (pruning/key_support.py). Evaluation: accuracy, sparsity, mean block length, latency and
throughput (manual attention and torch SDPA, dense vs gathered keys; a GPU's peak memory), corruption
error, and IoU of the kept patches with the digit's own pixels (where the images have object masks).
"""
