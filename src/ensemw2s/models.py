"""Model registry: hub checkpoints and tiny architectures built from a config, plus their tokenizers.

Every model a job uses is a *source* that ``from_pretrained`` understands: a hub id
(``EleutherAI/pythia-160m``) or a local directory written by :func:`build_tiny_model` (config,
safetensors weights and tokenizer together).  The same loading code serves both.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    GPT2TokenizerFast,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    PreTrainedTokenizerFast,
)

from .files import atomic_directory
from .hub import from_cache, split_revision

EOS = "<|endoftext|>"
PAD = "<|padding|>"
TINY_FAMILIES = ("gpt_neox", "gpt2")


# ---------------------------------------------------------------------------------------- tokenizers
def train_bpe_tokenizer(texts: list[str], vocab_size: int, split_digits: bool = False) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on ``texts`` (GPT-2 style, EOS and PAD as special tokens).

    ``split_digits``: every digit is its own pre-token (``Digits(individual_digits=True)`` before the
    byte-level step), so no merge spans two digits and numbers are spelled digit by digit (the
    sandbox's arithmetic is learnable that way)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    core = Tokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if split_digits:
        core.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    else:
        core.pre_tokenizer = byte_level
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS, PAD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    return _finish(PreTrainedTokenizerFast(tokenizer_object=core, eos_token=EOS, bos_token=EOS, pad_token=PAD))


def load_shipped_tokenizer(path: str | os.PathLike) -> PreTrainedTokenizerFast:
    """The Pythia (``tokenizer.json``) or GPT-2 (``vocab.json`` + ``merges.txt``) tokenizer files."""
    path = Path(path)
    if (path / "tokenizer_config.json").is_file():
        return _finish(AutoTokenizer.from_pretrained(path))
    if (path / "tokenizer.json").is_file():
        return _finish(PreTrainedTokenizerFast(tokenizer_file=str(path / "tokenizer.json"), eos_token=EOS, bos_token=EOS, pad_token=PAD))
    if (path / "vocab.json").is_file() and (path / "merges.txt").is_file():
        return _finish(GPT2TokenizerFast.from_pretrained(path))
    raise FileNotFoundError(f"{path}: no tokenizer.json, tokenizer_config.json or vocab.json+merges.txt")


def load_tokenizer(source: str, trust_remote_code: bool = False):
    repo, revision = split_revision(source)
    with from_cache("model", source):
        return _finish(AutoTokenizer.from_pretrained(repo, revision=revision, trust_remote_code=trust_remote_code))


def _finish(tokenizer):
    """Right padding, and a pad token for models that ship none (GPT-2, Pythia's hub config)."""
    if tokenizer.eos_token is None:
        raise ValueError(f"tokenizer {tokenizer.name_or_path!r} has no EOS token")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


# -------------------------------------------------------------------------------------- tiny models
def tiny_model_config(arch: dict, tokenizer):
    """A GPT-NeoX or GPT-2 config from the registry's ``arch`` block."""
    family = arch.get("family")
    common = dict(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    if family == "gpt_neox":
        return GPTNeoXConfig(
            hidden_size=arch["hidden_size"],
            num_hidden_layers=arch["num_layers"],
            num_attention_heads=arch["num_heads"],
            intermediate_size=arch.get("intermediate_size") or 4 * arch["hidden_size"],
            max_position_embeddings=arch.get("max_position_embeddings", 512),
            rotary_pct=0.25,
            use_parallel_residual=True,
            tie_word_embeddings=False,
            **common,
        )
    if family == "gpt2":
        return GPT2Config(
            n_embd=arch["hidden_size"],
            n_layer=arch["num_layers"],
            n_head=arch["num_heads"],
            n_inner=arch.get("intermediate_size") or 4 * arch["hidden_size"],
            n_positions=arch.get("max_position_embeddings", 512),
            **common,
        )
    raise ValueError(f"unknown tiny model family {family!r}; expected one of {TINY_FAMILIES}")


def build_tiny_model(arch: dict, tokenizer, seed: int):
    """A randomly initialised causal LM; the same seed gives the same weights."""
    torch.manual_seed(seed)
    config = tiny_model_config(arch, tokenizer)
    model_class = GPTNeoXForCausalLM if arch["family"] == "gpt_neox" else GPT2LMHeadModel
    return model_class(config)


SAVE_DTYPES = ("auto", "float32")


def save_dtype(setting: str, mixed_precision: str) -> torch.dtype:
    """The dtype an expert's safetensors are written in (config ``training.save_dtype``): ``auto``
    = the training precision, bf16 when training runs in bf16 mixed precision (``mixed_precision``
    resolved as :func:`ensemw2s.train.make_accelerator` does; its inference loads bf16 anyway),
    else fp32; ``float32`` = always fp32 (the optimiser's master weights)."""
    if setting not in SAVE_DTYPES:
        raise ValueError(f"save_dtype must be one of {SAVE_DTYPES}, got {setting!r}")
    if setting == "float32":
        return torch.float32
    if mixed_precision == "auto":
        bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    else:
        bf16 = mixed_precision == "bf16"
    return torch.bfloat16 if bf16 else torch.float32


def save_model(model, tokenizer, directory: str | os.PathLike, *, dtype: torch.dtype | None = None) -> None:
    """The model's safetensors (floating-point tensors cast to ``dtype`` when given; the model in
    memory is left as it is, tied weights stay tied) and its tokenizer, written like every other
    output (``files.atomic_directory``): complete or absent, with the umask's permissions
    (``save_pretrained`` alone leaves model.safetensors 0600)."""
    state_dict = None
    if dtype is not None and any(p.is_floating_point() and p.dtype != dtype for p in model.state_dict().values()):
        cast: dict[int, torch.Tensor] = {}  # by storage: tied tensors stay one tensor
        state_dict = {
            name: cast.setdefault(t.data_ptr(), t.detach().to(dtype)) if t.is_floating_point() else t for name, t in model.state_dict().items()
        }
    with atomic_directory(directory) as tmp:
        model.save_pretrained(tmp, safe_serialization=True, state_dict=state_dict)
        if state_dict is not None:  # config.json records the dtype of the weights written, not the model's
            previous = model.config.dtype
            model.config.dtype = dtype
            try:
                model.config.save_pretrained(tmp)
            finally:
                model.config.dtype = previous
        tokenizer.save_pretrained(tmp)


def save_tokenizer(tokenizer, directory: str | os.PathLike) -> None:
    """A tokenizer folder, written as ``save_model`` writes models."""
    with atomic_directory(directory) as tmp:
        tokenizer.save_pretrained(tmp)


# ------------------------------------------------------------------------------------------ loading
def load_causal_lm(source: str, trust_remote_code: bool = False, dtype: torch.dtype | None = None):
    repo, revision = split_revision(source)
    with from_cache("model", source):
        return AutoModelForCausalLM.from_pretrained(repo, revision=revision, use_safetensors=True, trust_remote_code=trust_remote_code, dtype=dtype)


def load_for_inference(source: str, mixed_precision: str = "auto", trust_remote_code: bool = False):
    """A causal LM in eval mode on the accelerator's device: bf16 weights where training would use
    bf16 mixed precision (a CUDA GPU that supports it), else fp32 (asked for explicitly: a
    checkpoint saved in bf16, see :func:`save_dtype`, would otherwise load in bf16)."""
    from .train import make_accelerator

    accelerator = make_accelerator(mixed_precision)
    dtype = torch.bfloat16 if accelerator.mixed_precision == "bf16" else torch.float32
    return load_causal_lm(source, trust_remote_code, dtype).to(accelerator.device).eval()


HEAD_INITS = ("default", "zero")


def set_dropout(config, probability: float) -> list[str]:
    """Set every dropout probability of a model config (GPT-2 ``resid_pdrop``/``embd_pdrop``/
    ``attn_pdrop``, GPT-NeoX ``attention_dropout``/``hidden_dropout``, any other float
    ``*dropout*`` / ``*pdrop*`` attribute) to ``probability``; returns the names set."""
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"a dropout probability must lie in [0, 1], got {probability}")
    names = []
    for name, value in vars(config).items():
        if ("dropout" in name or "pdrop" in name) and isinstance(value, float):
            setattr(config, name, float(probability))
            names.append(name)
    return names


def classifier_head(model) -> torch.nn.Linear:
    """The linear classification head a ``*ForSequenceClassification`` model adds (``score`` in
    GPT-2, GPT-NeoX, Qwen, Llama; ``classifier`` elsewhere)."""
    for name in ("score", "classifier"):
        head = getattr(model, name, None)
        if isinstance(head, torch.nn.Linear):
            return head
    raise ValueError(f"{type(model).__name__}: no linear classification head (score / classifier)")


def load_classifier(
    source: str,
    tokenizer,
    seed: int,
    *,
    trust_remote_code: bool = False,
    dtype: torch.dtype | None = None,
    dropout: float | None = None,
    head_init: str = "default",
):
    """Causal LM backbone with a linear head on the last non-pad token (Burns et al. 2023).

    The new head is drawn from torch's global generator: seeding it here makes the same job give
    the same classifier in every process.  ``head_init="zero"`` sets the head's weight (and bias)
    to 0 instead (Burns et al.'s ``TransformerWithHead``).  ``dropout`` (None: the model's own)
    replaces every dropout probability of the config before the model is built, and of every
    ``nn.Dropout`` module after (Burns et al. train with dropout off)."""
    from transformers import AutoConfig

    if head_init not in HEAD_INITS:
        raise ValueError(f"unknown head_init {head_init!r}; expected one of {HEAD_INITS}")
    torch.manual_seed(seed)
    repo, revision = split_revision(source)
    with from_cache("model", source):
        config = AutoConfig.from_pretrained(source, num_labels=2, trust_remote_code=trust_remote_code)
        if dropout is not None:
            set_dropout(config, dropout)
        model = AutoModelForSequenceClassification.from_pretrained(
            repo, revision=revision, config=config, use_safetensors=True, trust_remote_code=trust_remote_code, dtype=dtype
        )
    if dropout is not None:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = float(dropout)
    if head_init == "zero":
        head = classifier_head(model)
        with torch.no_grad():
            head.weight.zero_()
            if head.bias is not None:
                head.bias.zero_()
    model.config.pad_token_id = tokenizer.pad_token_id
    return model
