"""Running T experts of an ensemble together: one KV-cached forward per decoding step.

Experts of one boosting round share an architecture.  :class:`StackedExperts` stacks their
parameters (``torch.func.stack_module_state``) and calls one weightless copy of the module under
``torch.vmap`` (``torch.func.functional_call``), so a decoding step is one batched forward for all
experts: every linear layer becomes one batched matmul over the experts.  Each expert keeps its own
KV cache, held in preallocated buffers ``[T, B, heads, length, head_dim]`` and handed to the model
through the transformers Cache API (:class:`BufferLayer`), so no step concatenates the cache.

Attention under vmap: PyTorch has no batching rule for the CPU SDPA kernel (it would loop over the
experts), so the stacked module uses an attention function registered with transformers
(``ensemw2s_stacked_sdpa``) that calls a custom op whose vmap rule folds the expert dimension into
the batch dimension and calls ``scaled_dot_product_attention`` once (a decoding step's single
query goes through two batched matmuls instead: :func:`_one_query_attention`).

:class:`ExpertLoop` is the per-expert path (one forward per expert per step, the same buffers), used
for experts of different classes, configs or parameter shapes, for objects that are not
``torch.nn.Module`` s, and whenever the stacked path fails (see :func:`make_runner`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

ATTENTION = "ensemw2s_stacked_sdpa"


# --------------------------------------------------------------------------------- vmap-able SDPA
@torch.library.custom_op("ensemw2s::stacked_sdpa", mutates_args=())
def _sdpa(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None, scale: float | None, is_causal: bool
) -> torch.Tensor:
    if query.shape[-2] == 1 and not is_causal and query.device.type == "cpu":
        return _one_query_attention(query, key, value, mask, scale)
    return F.scaled_dot_product_attention(query, key, value, attn_mask=mask, scale=scale, is_causal=is_causal)


def _one_query_attention(query, key, value, mask, scale):
    """Attention of one new token per sequence (a decoding step) as two batched matmuls.  PyTorch's
    CPU SDPA kernel (flash attention) is built for long queries: for one query against the cache,
    two bmm's and a softmax take about 40 % less time at pythia-70m's decoding shapes (about 5 % of
    a step, ``benchmarks/profile_step.py``), and equal it within float rounding (tests)."""
    *lead, _, dim = query.shape
    length = key.shape[-2]
    q, k, v = query.reshape(-1, 1, dim), key.reshape(-1, length, dim), value.reshape(-1, length, dim)
    scores = torch.bmm(q, k.transpose(1, 2)).mul_(dim**-0.5 if scale is None else scale).view(*lead, 1, length)
    if mask is not None:
        scores = scores.masked_fill_(~mask, float("-inf")) if mask.dtype == torch.bool else scores.add_(mask)
    weights = scores.softmax(-1).view(-1, 1, length)
    return torch.bmm(weights, v).view(*lead, 1, value.shape[-1])


@_sdpa.register_fake
def _(query, key, value, mask, scale, is_causal):
    return query.new_empty(*query.shape[:-1], value.shape[-1])


@_sdpa.register_vmap
def _(info, in_dims, query, key, value, mask, scale, is_causal):
    """Fold the vmapped (expert) dimension into the batch: one SDPA call for all experts."""
    size = info.batch_size
    q_dim, k_dim, v_dim, m_dim = in_dims[:4]

    def batched(x, dim):
        return x.movedim(dim, 0) if dim is not None else x.unsqueeze(0).expand(size, *x.shape)

    q, k, v = batched(query, q_dim), batched(key, k_dim), batched(value, v_dim)
    batch = q.shape[1]
    m = None
    if mask is not None:
        m = batched(mask, m_dim)
        m = m.expand(size, batch, *m.shape[2:]).reshape(size * batch, *m.shape[2:])
    out = _sdpa(
        q.reshape(size * batch, *q.shape[2:]), k.reshape(size * batch, *k.shape[2:]), v.reshape(size * batch, *v.shape[2:]), m, scale, is_causal
    )
    return out.reshape(size, batch, *out.shape[1:]), 0


def _stacked_sdpa_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None, is_causal=None, **kwargs):
    """transformers attention function (same contract as its ``sdpa``) that vmap can batch."""
    groups = getattr(module, "num_key_value_groups", 1)
    if groups > 1:
        key, value = key.repeat_interleave(groups, dim=1), value.repeat_interleave(groups, dim=1)
    is_causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    is_causal = query.shape[2] > 1 and attention_mask is None and is_causal
    if attention_mask is not None and attention_mask.shape[-1] != key.shape[-2]:
        attention_mask = attention_mask[..., : key.shape[-2]]
    out = _sdpa(query, key, value, attention_mask, scaling, bool(is_causal))
    return out.transpose(1, 2).contiguous(), None


@torch.library.custom_op("ensemw2s::stacked_embedding", mutates_args=())
def _embedding(weight: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    return F.embedding(ids, weight)


@_embedding.register_fake
def _(weight, ids):
    return weight.new_empty(*ids.shape, weight.shape[-1])


@_embedding.register_vmap
def _(info, in_dims, weight, ids):
    """Look up rows of every expert's table in place (PyTorch's own rule copies the stacked table)."""
    w_dim, i_dim = in_dims
    if w_dim is None:
        return F.embedding(ids, weight), i_dim
    w = weight.movedim(w_dim, 0)  # [S, V, H]
    if i_dim is None:
        return w.index_select(1, ids.reshape(-1)).view(w.shape[0], *ids.shape, w.shape[-1]), 0
    i = ids.movedim(i_dim, 0)
    rows = torch.arange(w.shape[0], device=w.device).view(-1, *([1] * (i.dim() - 1)))
    return w[rows, i], 0


class _VmapEmbedding(torch.nn.Embedding):
    """nn.Embedding whose lookup vmap batches without copying the stacked table (forward only)."""

    def forward(self, input):
        return _embedding(self.weight, input)


@torch.library.custom_op("ensemw2s::stacked_linear", mutates_args=())
def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    return F.linear(x, weight, bias)


@_linear.register_fake
def _(x, weight, bias):
    return x.new_empty(*x.shape[:-1], weight.shape[0])


@_linear.register_vmap
def _(info, in_dims, x, weight, bias):
    """One (b)addbmm over the experts.  PyTorch's own rule broadcasts the stacked weight over the
    batch (a copy of every expert's matrix per sequence) when the input is not contiguous."""
    x_dim, w_dim, b_dim = in_dims
    if w_dim is None and b_dim is None:
        return F.linear(x, weight, bias), x_dim
    size = info.batch_size
    w = weight.movedim(w_dim, 0) if w_dim is not None else weight.unsqueeze(0).expand(size, *weight.shape)
    xs = x.movedim(x_dim, 0) if x_dim is not None else x.unsqueeze(0).expand(size, *x.shape)
    flat = xs.reshape(size, -1, xs.shape[-1])
    if bias is None:
        out = torch.bmm(flat, w.transpose(1, 2))
    else:
        b = bias.movedim(b_dim, 0) if b_dim is not None else bias.unsqueeze(0).expand(size, *bias.shape)
        out = torch.baddbmm(b.unsqueeze(1), flat, w.transpose(1, 2))
    return out.view(size, *xs.shape[1:-1], w.shape[1]), 0


class _VmapLinear(torch.nn.Linear):
    """nn.Linear as one batched matmul over the stacked experts under vmap (forward only)."""

    def forward(self, input):
        return _linear(input, self.weight, self.bias)


_registered = False


def _register_attention() -> None:
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

        AttentionInterface.register(ATTENTION, _stacked_sdpa_forward)
        AttentionMaskInterface.register(ATTENTION, sdpa_mask)
        _registered = True


# ------------------------------------------------------------------------------------ KV buffers
def _cache_classes():
    from transformers.cache_utils import Cache, DynamicLayer

    class BufferLayer(DynamicLayer):
        """A cache layer writing into a preallocated ``[B, heads, capacity, head_dim]`` buffer pair:
        ``update`` copies the new keys/values in place and returns views of the filled part."""

        def __init__(self, keys: torch.Tensor, values: torch.Tensor, length: int):
            super().__init__()
            self.buffer_keys, self.buffer_values, self.length = keys, values, length
            self.keys, self.values = keys[..., :length, :], values[..., :length, :]
            self.is_initialized = True
            self.dtype, self.device = keys.dtype, keys.device

        def update(self, key_states, value_states, *args, **kwargs):
            end = self.length + key_states.shape[-2]
            self.buffer_keys[..., self.length : end, :].copy_(key_states)
            self.buffer_values[..., self.length : end, :].copy_(value_states)
            self.length = end
            self.keys, self.values = self.buffer_keys[..., :end, :], self.buffer_values[..., :end, :]
            return self.keys, self.values

        def get_seq_length(self) -> int:
            return self.length

        def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
            return self.length + query_length, 0

    def make_cache(buffers, length: int):
        return Cache(layers=[BufferLayer(k, v, length) for k, v in buffers])

    return make_cache


def _allocate(prefix_kv, capacity: int):
    """Buffers of ``capacity`` positions (last-but-one dim) holding the prefill's keys/values.
    Left uninitialised past the prefill: only the filled part (``[..., :length, :]``) is ever read."""
    buffers = []
    for k, v in prefix_kv:
        shape = (*k.shape[:-2], capacity, k.shape[-1])
        bk, bv = k.new_empty(shape), v.new_empty(shape)
        bk[..., : k.shape[-2], :].copy_(k)
        bv[..., : v.shape[-2], :].copy_(v)
        buffers.append((bk, bv))
    return buffers


def _allocate_stacked(expert_kv, capacity: int):
    """:func:`_allocate` for T experts' caches (each a list of per-layer keys/values): buffers
    ``[T, ..., capacity, head_dim]``, each expert's prefill copied in (no stacked intermediate)."""
    buffers = []
    for layer in zip(*expert_kv):
        k0, v0 = layer[0]
        bk = k0.new_empty((len(layer), *k0.shape[:-2], capacity, k0.shape[-1]))
        bv = v0.new_empty((len(layer), *v0.shape[:-2], capacity, v0.shape[-1]))
        for t, (k, v) in enumerate(layer):
            bk[t, ..., : k.shape[-2], :].copy_(k)
            bv[t, ..., : v.shape[-2], :].copy_(v)
        buffers.append((bk, bv))
    return buffers


def _kv(cache) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(layer.keys, layer.values) for layer in cache.layers]


# --------------------------------------------------------------------------------------- runners
class ExpertLoop:
    """One forward per expert per step, each with its own KV buffers.  ``prefill`` and ``step``
    return the experts' last-position logits stacked ``[T, B, V]``."""

    path = "loop"

    def __init__(self, models: Sequence):
        self.models = list(models)
        self._make_cache = None

    def prefill(self, input_ids, attention_mask, position_ids, capacity: int) -> torch.Tensor:
        from transformers import DynamicCache

        self._make_cache = _cache_classes()
        self.length = input_ids.shape[1]
        logits, self.buffers = [], []
        for model in self.models:
            out = model(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=DynamicCache(), use_cache=True, logits_to_keep=1
            )
            logits.append(out.logits[:, -1])
            cache = getattr(out, "cache", None)
            self.buffers.append(None if cache is None else _allocate(_kv(cache), capacity))
        return torch.stack(logits)

    def step(self, input_ids, attention_mask, position_ids, keep: int = 1) -> torch.Tensor:
        """The next chunk (usually one token) on the cache: the last position's logits ``[T, B, V]``,
        or with ``keep`` > 1 the last ``keep`` positions' ``[T, B, keep, V]``."""
        logits = []
        for model, buffers in zip(self.models, self.buffers):
            cache = None if buffers is None else self._make_cache(buffers, self.length)
            out = model(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=cache, use_cache=True, logits_to_keep=keep
            )
            logits.append(out.logits[:, -1] if keep == 1 else out.logits[:, -keep:])
        self.length += input_ids.shape[1]
        return torch.stack(logits)

    def select(self, index: torch.Tensor) -> None:
        """Keep (and repeat) the cached rows ``index``: rows sharing a prompt continue from one prefill."""
        self.buffers = [None if b is None else [(k.index_select(0, index), v.index_select(0, index)) for k, v in b] for b in self.buffers]

    def full(self, input_ids, attention_mask, position_ids=None, keep: int = 0) -> torch.Tensor:
        """All positions' logits ``[T, B, L, V]`` (no cache): scoring; with ``keep``, the last
        ``keep`` positions' only (``[T, B, keep, V]``, position ids given for left padding)."""
        extra = {} if position_ids is None else dict(position_ids=position_ids, use_cache=False, logits_to_keep=keep)
        return torch.stack([m(input_ids=input_ids, attention_mask=attention_mask, **extra).logits[:, -keep:] for m in self.models])


def stackable(models: Sequence) -> tuple[bool, str]:
    """Whether the experts can run as one vmapped module, and if not, why."""
    if len(models) < 2:
        return False, "a single expert"
    first = models[0]
    if not all(isinstance(m, torch.nn.Module) for m in models):
        return False, "not all experts are torch.nn.Modules"
    if any(type(m) is not type(first) for m in models):
        return False, "experts of different classes"
    config = getattr(first, "config", None)
    if config is None or not hasattr(config, "to_dict"):
        return False, "experts without a transformers config"

    def identity(m):
        d = m.config.to_dict()
        d.pop("_name_or_path", None)
        d.pop("transformers_version", None)
        return d

    if any(identity(m) != identity(first) for m in models[1:]):
        return False, "experts of different configs"
    shapes = [(n, p.shape, p.dtype, p.device) for n, p in first.named_parameters()]
    if any([(n, p.shape, p.dtype, p.device) for n, p in m.named_parameters()] != shapes for m in models[1:]):
        return False, "experts with different parameter shapes, dtypes or devices"
    return True, "same class, config and parameter shapes"


class StackedExperts:
    """All experts in one forward per step: stacked parameters, one weightless module under vmap."""

    path = "stacked"

    def __init__(self, models: Sequence):
        from torch.func import stack_module_state

        _register_attention()
        self.models = list(models)
        first = models[0]
        self.params, self.buffers_ = stack_module_state(list(models))
        with torch.device("meta"):
            self.base = type(first)(copy.deepcopy(first.config))
        self.base.eval()
        self.base.config._attn_implementation = ATTENTION
        for module in self.base.modules():
            if type(module) is torch.nn.Embedding:
                module.__class__ = _VmapEmbedding
            elif type(module) is torch.nn.Linear:
                module.__class__ = _VmapLinear
        self._make_cache = _cache_classes()

    def _forward(self, params, buffers, input_ids, attention_mask, position_ids, kv, length, keep=1):
        from torch.func import functional_call

        cache = self._make_cache(kv, length)
        out = functional_call(
            self.base,
            (params, buffers),
            (),
            dict(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=cache, use_cache=True, logits_to_keep=keep),
        )
        return out.logits[:, -1] if keep == 1 else out.logits[:, -keep:]

    def prefill(self, input_ids, attention_mask, position_ids, capacity: int) -> torch.Tensor:
        """The prompts through each expert's own module, one at a time, into stacked KV buffers:
        a prefill's matmuls are already large (every prompt token), so batching the experts gains
        nothing there, and on a CPU the vmapped prefill was slower (a working set T times larger;
        ``benchmarks/profile_step.py``).  The steps then run vmapped."""
        from transformers import DynamicCache

        logits, kv = [], []
        for model in self.models:
            out = model(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=DynamicCache(), use_cache=True, logits_to_keep=1
            )
            logits.append(out.logits[:, -1])
            kv.append(_kv(out.cache))
        self.kv = _allocate_stacked(kv, capacity)
        self.length = input_ids.shape[1]
        return torch.stack(logits)

    def step(self, input_ids, attention_mask, position_ids, keep: int = 1) -> torch.Tensor:
        length = self.length
        run = lambda p, b, kv: self._forward(p, b, input_ids, attention_mask, position_ids, kv, length, keep)  # noqa: E731
        logits = torch.vmap(run)(self.params, self.buffers_, self.kv)
        self.length += input_ids.shape[1]
        return logits

    def select(self, index: torch.Tensor) -> None:
        """Keep (and repeat) the cached rows ``index`` of every expert (see :meth:`ExpertLoop.select`)."""
        self.kv = [(k.index_select(1, index), v.index_select(1, index)) for k, v in self.kv]

    def full(self, input_ids, attention_mask, position_ids=None, keep: int = 0) -> torch.Tensor:
        """All positions' logits ``[T, B, L, V]`` (no cache), or the last ``keep`` positions'."""
        from torch.func import functional_call

        kwargs = dict(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
        if position_ids is not None:
            kwargs.update(position_ids=position_ids, logits_to_keep=keep)
        run = lambda p, b: functional_call(self.base, (p, b), (), kwargs).logits[:, -keep:]  # noqa: E731
        return torch.vmap(run)(self.params, self.buffers_)


_last_stacked: list = []  # (key, weak references to the experts, runner): the last stacked experts, reused


def _state_key(models) -> tuple:
    """Identity and in-place version of every parameter: changes when any expert's weights do."""
    return tuple((id(m), tuple((id(p), p._version) for p in m.parameters())) for m in models)


def make_runner(models: Sequence, batched: bool = True):
    """:class:`StackedExperts` where the experts allow it (and ``batched``), else :class:`ExpertLoop`;
    logs which path runs and why.  The stacked copy of the last experts is reused while none of
    their parameters changed (decoding, then scoring, the same ensemble stacks it once)."""
    import weakref

    ok, reason = stackable(models) if batched else (False, "batched=False")
    if ok:
        key = _state_key(models)
        if _last_stacked and _last_stacked[0][0] == key and all(ref() is m for ref, m in zip(_last_stacked[0][1], models)):
            log.info("ensemble: %d experts batched in one vmapped forward per step (reused stacked parameters)", len(models))
            return _last_stacked[0][2]
        _last_stacked.clear()
        try:
            runner = StackedExperts(models)
            _last_stacked.append((key, [weakref.ref(m) for m in models], runner))
            log.info("ensemble: %d experts batched in one vmapped forward per step (%s)", len(models), reason)
            return runner
        except Exception as error:  # noqa: BLE001 - anything vmap or the model cannot do: fall back
            reason = f"stacking failed: {type(error).__name__}: {error}"
    log.info("ensemble: %d expert(s) run one forward each per step (%s)", len(models), reason)
    return ExpertLoop(models)


def prompt_then_answers(runner, prompt_ids, prompt_mask, answer_ids, answer_mask, owner) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forced logits of answers that continue shared prompts: every prompt is encoded once.

    ``prompt_ids``/``prompt_mask`` ``[Q, P]`` left-padded prompts; ``answer_ids``/``answer_mask``
    ``[N, A]`` right-padded answer tokens fed after prompt ``owner[n]``.  Returns the logits after
    each prompt's last token ``[T, Q, V]`` and at every fed answer position ``[T, N, A, V]``."""
    positions = (prompt_mask.cumsum(-1) - 1).clamp(min=0)
    width = answer_ids.shape[1]
    first = runner.prefill(prompt_ids, prompt_mask, positions, prompt_ids.shape[1] + width)
    if width == 0:
        return first, first.new_zeros((first.shape[0], len(owner), 0, first.shape[-1]))
    runner.select(owner)
    answer_positions = prompt_mask.sum(-1, keepdim=True)[owner] + torch.arange(width, device=owner.device)
    mask = torch.cat([prompt_mask[owner], answer_mask], dim=1)
    rest = runner.step(answer_ids, mask, answer_positions, keep=width)
    return first, rest.unsqueeze(-2) if width == 1 else rest


# ---------------------------------------------------------------------------------------- mixture
def mix_stacked(logits: torch.Tensor, weights: torch.Tensor, combine: str) -> torch.Tensor:
    """Log of the ensemble's next-token distribution from stacked logits ``[T, ..., V]`` (float32).

    ``prob``: log sum_s w_s softmax(l_s), computed as one logsumexp over the expert dimension of
    ``l_s - logsumexp(l_s) + log w_s``; ``logit``: log_softmax(sum_s w_s l_s).  Works in place on
    ``logits`` when it is already float32 (the caller hands over a tensor it owns), so besides it
    only ``[..., V]`` tensors are allocated.
    """
    w = weights.to(device=logits.device, dtype=torch.float32).view(-1, *([1] * (logits.dim() - 1)))
    x = logits.float()
    if combine == "logit":
        return F.log_softmax((x.mul_(w)).sum(0), dim=-1)
    x.sub_(torch.logsumexp(x, dim=-1, keepdim=True) - torch.log(w))
    top = x.amax(0)
    top = top.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)  # = where(isfinite(top), top, 0), one pass
    return torch.log(x.sub_(top).exp_().sum(0)).add_(top)
