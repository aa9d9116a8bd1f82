import numpy as np
import torch

from effbench.models.tiny_encoder import SingleHeadAttention


def numpy_attention(x, wq, wk, wv):
    """The paper's reference (its Eq. 1): softmax(Q K^T / sqrt d) V, with a stable shift."""
    q, k, v = x @ wq, x @ wk, x @ wv
    s = q @ k.transpose(0, 2, 1) / np.sqrt(x.shape[-1])
    s = s - s.max(-1, keepdims=True)
    a = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    return a @ v, a


def test_torch_attention_matches_numpy_reference():
    layer = SingleHeadAttention(8).double()
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    out, attn = layer(x)
    ref_out, ref_attn = numpy_attention(x.numpy(), layer.q.weight.detach().numpy().T,
                                        layer.k.weight.detach().numpy().T, layer.v.weight.detach().numpy().T)
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-10)
    np.testing.assert_allclose(attn.detach().numpy(), ref_attn, rtol=1e-10)


def test_masked_keys_get_no_attention():
    layer = SingleHeadAttention(4)
    x = torch.randn(2, 6, 4)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    _, attn = layer(x, mask)
    assert torch.all(attn[0, :, 3:] == 0)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 6))
