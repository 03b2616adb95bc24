"""TEST-ONLY stand-in for the `sgl_kernel` package, so that SGLang runs on a CPU in the tests.

What it is: an import-only replacement for the real `sgl_kernel` (PyPI `sglang-kernel`), put
ahead of it on `sys.path` (and `PYTHONPATH`, for SGLang's spawned scheduler and detokenizer) by
`tests/sglang/cpu.py`. It is never installed and never used outside the test suite.

Why it exists: the PyPI wheel of `sgl_kernel` is the CUDA build; importing it fails without
libcuda (`No module named 'common_ops'`). With `SGLANG_USE_CPU_ENGINE=1`, SGLang imports a few
`*_cpu` helpers from it at module level (`sglang.srt.mem_cache.allocation`,
`sglang.kernels.ops.kvcache.cache_move`), so without a stand-in SGLang cannot even be imported
in CPU mode. SGLang calls that library's compute ops on a CPU only where AMX is present and the
real CPU build is installed (`cpu_has_amx_support()`); the tests run the `torch_native`
attention backend, so the stand-in changes no computation of the model.

What it holds:
- `assign_req_to_token_pool_cpu` and `copy_all_layer_kv_cache_cpu`: straightforward plain-torch
  (and `ctypes.memmove`) versions of the two bookkeeping helpers, written from the Triton
  kernels they replace (same arguments, same effect). No claim of speed.
- Any other name imports (so a module-level `from sgl_kernel import x` succeeds) but raises
  `NotImplementedError` naming the function when it is called: a test that reaches a kernel
  this stand-in does not have fails loudly instead of computing something wrong.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import torch

__version__ = "0.0.0+radix-ls-test-stand-in"


def assign_req_to_token_pool_cpu(
    req_pool_indices: torch.Tensor,
    req_to_token: torch.Tensor,
    start_offset: torch.Tensor,
    end_offset: torch.Tensor,
    out_cache_loc: torch.Tensor,
    pool_len: int,
) -> None:
    """Write each request's new KV slots into its row of the request-to-token table.

    Request i takes the next `end_offset[i] - start_offset[i]` entries of `out_cache_loc`
    (laid out request after request) into `req_to_token[req_pool_indices[i],
    start_offset[i]:end_offset[i]]`, as SGLang's `assign_req_to_token_pool` Triton kernel does.
    """
    del pool_len  # the row length; torch indexing knows it
    taken = 0
    for row, start, end in zip(
        req_pool_indices.tolist(), start_offset.tolist(), end_offset.tolist(), strict=True
    ):
        count = end - start
        req_to_token[row, start:end] = out_cache_loc[taken : taken + count].to(req_to_token.dtype)
        taken += count


def copy_all_layer_kv_cache_cpu(
    data_ptrs: torch.Tensor,
    strides: torch.Tensor,
    tgt_loc: torch.Tensor,
    src_loc: torch.Tensor,
) -> None:
    """Copy KV-cache slots `src_loc` to `tgt_loc` in every layer buffer.

    `data_ptrs[b]` is the address of buffer b and `strides[b]` the bytes one slot takes in it,
    as in SGLang's `copy_all_layer_kv_cache_tiled` Triton kernel.
    """
    for base, stride in zip(data_ptrs.tolist(), strides.tolist(), strict=True):
        for src, tgt in zip(src_loc.tolist(), tgt_loc.tolist(), strict=True):
            ctypes.memmove(base + tgt * stride, base + src * stride, stride)


def _missing(name: str) -> Callable[..., Any]:
    def kernel(*_args: Any, **_kwargs: Any) -> Any:
        raise NotImplementedError(
            f"sgl_kernel.{name} is not in radix-ls' test stand-in (tests/sglang/kernels): "
            "this code path needs the real sgl_kernel"
        )

    kernel.__name__ = name
    return kernel


def __getattr__(name: str) -> Callable[..., Any]:
    if name.startswith("_"):
        raise AttributeError(name)
    return _missing(name)
